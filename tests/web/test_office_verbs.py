"""The office verbs through the web (issue 8, item 6): 退回, 撤回 (a step; an application started by mistake),
转办 and 催办. Each moves the case as described, appears in the audit trail, and is refused to everyone else:
other roles and units get 403 (a supervisor on every verb), the wrong person of the right role a Chinese flash."""

from __future__ import annotations

from sqlalchemy import select

from tasks.sweep import sweep_once
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask, Notification, ProcessInstance

from .flow import complete, move_clock, open_task, start_application, submit_application, user
from .test_mail import smtp  # noqa: F401  (a real SMTP server for the urge's mail)

RECOMMEND = {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""}


def flashed(browser, response) -> str:
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def audit(application_id: int, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    instance_id = db.session.get(Application, application_id).instance_id
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == action).order_by(AuditEvent.id)))


def notices(world, name: str) -> list[str]:
    db.session.expire_all()
    return [n.text for n in db.session.scalars(select(Notification).where(
        Notification.user_id == user(world, name).id).order_by(Notification.id))]


def at_material_review(login) -> int:
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"), RECOMMEND)
    return application_id


def post(browser, url: str, data: dict | None = None, page: str = "/"):
    return browser.post(url, data or {}, from_page=page)


# ---- 退回 -------------------------------------------------------------------------------------------------


def test_torch_center_sends_the_application_back_with_a_reason(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    torch = login("torch1")
    page = torch.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="office-return"' in page and "填写并提交申报书" in page

    response = post(torch, f"/tasks/{task.id}/return", {"target": "submit_application", "reason": "缺少场地租赁合同"},
                    page=f"/tasks/{task.id}")
    assert response.status_code == 302
    assert "已将案件从“材料完整性审核”退回到“填写并提交申报书”" in flashed(torch, response)

    reopened = open_task(application_id, "submit_application")
    assert db.session.get(HumanTask, task.id).status == "cancelled"
    applicant_page = login("applicant_a").get(f"/tasks/{reopened.id}").get_data(as_text=True)
    assert "由火炬中心退回：缺少场地租赁合同" in applicant_page
    assert 'value="青城创客空间"' in applicant_page  # the form reopens as it was submitted
    # ... all of it, not only the name: the figures and texts typed in before
    assert "开放共享降低成本，投资与专业服务获得收益" in applicant_page and 'name="management_staff" type="number" value="3"' in applicant_page.replace(" required", "")
    assert any("缺少场地租赁合同" in text for text in notices(world, "applicant_a"))
    [event] = audit(application_id, "returned")
    assert event.actor_id == user(world, "torch1").id
    assert event.detail["reason"] == "缺少场地租赁合同" and event.title == "材料完整性审核 → 填写并提交申报书"
    history = login("applicant_a").get(f"/applications/{application_id}").get_data(as_text=True)
    assert "退回：缺少场地租赁合同" in history
    # And on from there as usual.
    submit_application(login, application_id)
    assert open_task(application_id, "recommender_review")


def returned_and_resubmitted(login, application_id: int) -> HumanTask:
    """Submitted, returned by the recommender, submitted again under another name: the second round of the
    loop back to 填写并提交申报书. Returns the second submission's row."""
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "名称与执照不一致"})
    second = open_task(application_id, "submit_application")
    submit_application(login, application_id, space_name=SECOND_NAME)
    return second


SECOND_NAME = "青城众创空间"  # the first submission said 青城创客空间


def test_a_resubmission_sent_back_reopens_as_resubmitted(login, world):
    """The form sent back shows what the applicant submitted the second time, not the first."""
    application_id = start_application(login("applicant_a"))
    second = returned_and_resubmitted(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"), RECOMMEND)
    task = open_task(application_id, "material_review")
    post(login("torch1"), f"/tasks/{task.id}/return", {"target": "submit_application", "reason": "缺少场地租赁合同"},
         page=f"/tasks/{task.id}")

    reopened = open_task(application_id, "submit_application")
    assert reopened.id == second.id
    applicant_page = login("applicant_a").get(f"/tasks/{reopened.id}").get_data(as_text=True)
    assert "由火炬中心退回：缺少场地租赁合同" in applicant_page
    assert f'value="{SECOND_NAME}"' in applicant_page
    assert 'value="青城创客空间"' not in applicant_page  # the first submission's name


def test_a_resubmission_withdrawn_reopens_as_resubmitted(login, world):
    application_id = start_application(login("applicant_a"))
    second = returned_and_resubmitted(login, application_id)
    applicant = login("applicant_a")
    response = post(applicant, f"/tasks/{second.id}/withdraw")
    assert "您已撤回“填写并提交申报书”" in flashed(applicant, response)

    page = applicant.get(f"/tasks/{second.id}").get_data(as_text=True)
    assert f'value="{SECOND_NAME}"' in page and 'value="青城创客空间"' not in page


def test_sending_back_is_refused_to_others_and_without_a_reason(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    url = f"/tasks/{task.id}/return"
    data = {"target": "submit_application", "reason": "理由"}
    for name in ("supervisor", "designer", "recommender_a", "applicant_a", "approver", "expert1"):
        assert post(login(name), url, data).status_code == 403, name
    torch = login("torch1")
    for bad, words in [({"target": "submit_application", "reason": "  "}, "请填写理由"),
                       ({"target": "organise_review", "reason": "理由"}, "本环节不能退回到该环节")]:
        response = post(torch, url, bad)
        assert response.status_code == 302 and words in flashed(torch, response)
    # A colleague holds it: only they may send it back.
    post(login("torch2"), f"/tasks/{task.id}/claim")
    response = post(torch, url, data)
    assert "只有该同事可以退回" in flashed(torch, response)
    assert open_task(application_id, "material_review").id == task.id
    assert audit(application_id, "returned") == []


def test_a_return_after_a_completion_is_told_the_step_ended(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    torch = login("torch1")
    token = torch.token(f"/tasks/{task.id}")
    complete(login("torch2"), task, {"material_decision": "complete", "material_comments": ""})
    response = torch.post(f"/tasks/{task.id}/return", {"target": "submit_application", "reason": "理由",
                                                        "csrf_token": token}, csrf=False)
    assert "本环节已结束，不能退回" in flashed(torch, response)
    assert open_task(application_id, "organise_review")


def test_return_and_completion_at_the_same_moment_one_wins(login, world, monkeypatch):
    """The completion commits between the return's read and its write: the instance's version stops the return."""
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    from webapp.engine.runtime import Runtime

    real_load = Runtime.load

    def load_then_someone_completes(self, instance):
        wf = real_load(self, instance)
        if self.actor and self.actor.username == "torch1":
            monkeypatch.setattr(Runtime, "load", real_load)
            from sqlalchemy import update

            # Another request completes the step and bumps the version in its own transaction.
            with db.engine.begin() as connection:
                connection.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                                   .values(lock_version=ProcessInstance.lock_version + 1))
        return wf

    monkeypatch.setattr(Runtime, "load", load_then_someone_completes)  # every engine operation loads first
    torch = login("torch1")
    response = post(torch, f"/tasks/{task.id}/return", {"target": "submit_application", "reason": "理由"},
                    page=f"/tasks/{task.id}")
    text = flashed(torch, response)
    assert "同一时间有人变更了本案件" in text
    assert open_task(application_id, "material_review").id == task.id  # nothing of the return was kept
    assert audit(application_id, "returned") == []


# ---- 撤回 -------------------------------------------------------------------------------------------------


def test_the_applicant_withdraws_its_submission_before_the_recommender_acts(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    submitted = db.session.scalar(select(HumanTask).where(HumanTask.task_spec == "submit_application"))
    applicant = login("applicant_a")
    assert 'id="withdrawable"' in applicant.get("/").get_data(as_text=True)

    response = post(applicant, f"/tasks/{submitted.id}/withdraw")
    assert "您已撤回“填写并提交申报书”" in flashed(applicant, response)
    assert open_task(application_id, "submit_application").id == submitted.id
    assert db.session.get(Application, application_id).status == "draft"
    recommender_row = db.session.scalar(select(HumanTask).where(HumanTask.task_spec == "recommender_review"))
    assert recommender_row.status == "cancelled"
    assert len(audit(application_id, "step_withdrawn")) == 1


def test_withdrawing_a_step_is_refused_once_the_next_is_done_or_to_others(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    submitted = db.session.scalar(select(HumanTask).where(HumanTask.task_spec == "submit_application"))
    url = f"/tasks/{submitted.id}/withdraw"
    for name in ("supervisor", "designer", "applicant_b", "recommender_a", "torch1"):
        assert post(login(name), url).status_code == 403, name
    complete(login("recommender_a"), open_task(application_id, "recommender_review"), RECOMMEND)
    applicant = login("applicant_a")
    assert 'id="withdrawable"' not in applicant.get("/").get_data(as_text=True)
    response = post(applicant, url)
    assert "下一环节已有人开始办理" in flashed(applicant, response) or "已流转到后续环节" in flashed(applicant, response)
    assert open_task(application_id, "material_review")
    assert audit(application_id, "step_withdrawn") == []


def test_an_application_started_by_mistake_is_withdrawn(login, world):
    application_id = start_application(login("applicant_a"), name="误建的申报")
    applicant = login("applicant_a")
    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    assert 'id="withdraw-application"' in page
    for name in ("supervisor", "designer", "applicant_b", "recommender_a", "torch1", "approver"):
        assert post(login(name), f"/applications/{application_id}/withdraw").status_code == 403, name

    # without ticking the confirmation nothing happens
    response = post(applicant, f"/applications/{application_id}/withdraw", {"reason": "重复创建"})
    assert "撤回前请先勾选确认" in flashed(applicant, response)
    assert db.session.get(Application, application_id).status == "draft"
    response = post(applicant, f"/applications/{application_id}/withdraw", {"reason": "重复创建", "confirm": "yes"})
    assert "申报已撤回" in flashed(applicant, response)
    application = db.session.get(Application, application_id)
    assert application.status == "withdrawn" and application.outcome_reason == "重复创建"
    assert application.instance.status == "cancelled"
    assert db.session.scalars(select(HumanTask).where(HumanTask.instance_id == application.instance_id,
                                                      HumanTask.status == "open")).all() == []
    [event] = audit(application_id, "withdrawn")
    assert event.actor_id == user(world, "applicant_a").id and event.detail == {"reason": "重复创建"}
    listed = applicant.get("/applications").get_data(as_text=True)
    assert "已撤回" in listed
    response = post(applicant, f"/applications/{application_id}/withdraw", {"confirm": "yes"})
    assert "该申报已不能撤回" in flashed(applicant, response)


def test_a_submitted_application_untouched_is_withdrawn_and_the_recommender_told(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    applicant = login("applicant_a")
    response = post(applicant, f"/applications/{application_id}/withdraw", {"confirm": "yes"})
    assert db.session.get(Application, application_id).status == "withdrawn", flashed(applicant, response)
    assert any("已由申报单位撤回" in text for text in notices(world, "recommender_a"))


def test_an_application_the_recommender_acted_on_cannot_be_withdrawn(login, world):
    application_id = at_material_review(login)
    applicant = login("applicant_a")
    # not offered (it was, and always failed): the page says why and whom to ask
    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    assert 'id="withdraw-application"' not in page and 'id="withdraw-not-possible"' in page
    assert "推荐单位或火炬中心已开始办理该申报" in page
    response = post(applicant, f"/applications/{application_id}/withdraw", {"confirm": "yes"})
    assert "推荐单位或火炬中心已开始办理该申报" in flashed(applicant, response)
    assert db.session.get(Application, application_id).status == "in_review"
    assert audit(application_id, "withdrawn") == []


# ---- 转办 -------------------------------------------------------------------------------------------------


def test_a_torch_center_task_is_transferred_to_a_colleague(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    torch = login("torch1")
    post(torch, f"/tasks/{task.id}/claim")
    page = torch.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="office-transfer"' in page
    colleague = user(world, "torch2")
    response = post(torch, f"/tasks/{task.id}/transfer", {"colleague": str(colleague.id), "note": "请协助审核"})
    assert "已转办给torch2" in flashed(torch, response)
    row = db.session.get(HumanTask, task.id)
    assert row.claimed_by_id == colleague.id and row.status == "open"
    assert any("转交您办理" in text and "请协助审核" in text for text in notices(world, "torch2"))
    [event] = audit(application_id, "transferred")
    assert event.actor_id == user(world, "torch1").id and event.detail["to"] == "torch2"
    # torch1 no longer holds it: it can neither transfer it again nor complete it.
    response = post(torch, f"/tasks/{task.id}/transfer", {"colleague": str(user(world, "torch1").id)})
    assert "只有该同事可以转办" in flashed(torch, response)
    complete(login("torch2"), row, {"material_decision": "complete", "material_comments": ""})


def test_transfer_is_refused_outside_the_role_and_scope(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    recommender = login("recommender_a")
    # The only other recommender works for another unit: not offered, and refused when forced.
    assert 'id="office-transfer"' not in recommender.get(f"/tasks/{task.id}").get_data(as_text=True)
    for name in ("recommender_b", "torch1", "applicant_a"):
        response = post(recommender, f"/tasks/{task.id}/transfer", {"colleague": str(user(world, name).id)})
        assert "只能转办给同一角色、同一单位" in flashed(recommender, response), name
    for name in ("supervisor", "designer", "recommender_b", "torch1", "applicant_a"):
        response = post(login(name), f"/tasks/{task.id}/transfer",
                        {"colleague": str(user(world, "recommender_a").id)})
        assert response.status_code == 403, name
    assert audit(application_id, "transferred") == []


# ---- 催办 -------------------------------------------------------------------------------------------------


def test_torch_center_urges_the_recommender_once_a_day_in_the_app_and_by_mail(login, world, smtp):  # noqa: F811
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    instance_id = task.instance_id
    torch = login("torch1")
    case_page = torch.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'id="office-urge"' in case_page and "推荐单位审核" in case_page

    response = post(torch, f"/tasks/{task.id}/urge", page=f"/instances/{instance_id}")
    told = flashed(torch, response)
    assert "已催办“推荐单位审核”" in told
    # mail is said only where it goes: the smtp fixture configures a server, and recommender_a has an address
    assert "同时收到邮件" in told
    assert any(text.startswith("催办：torch1催办「推荐单位审核」") for text in notices(world, "recommender_a"))
    assert not any(text.startswith("催办") for text in notices(world, "recommender_b"))
    sweep_once()  # the outbox is drained by the sweeper
    assert any("催办" in s for s in smtp.subjects(user(world, "recommender_a").email))
    [event] = audit(application_id, "urged")
    assert event.actor_id == user(world, "torch1").id and event.detail["to"] == ["recommender_a"]

    # Again the same day: refused, by anyone, and said so.
    for name in ("torch1", "approver"):
        browser = login(name)
        response = post(browser, f"/tasks/{task.id}/urge", page=f"/instances/{instance_id}")
        assert "今天已催办过" in flashed(browser, response), name
    assert len(audit(application_id, "urged")) == 1
    move_clock(days=1)
    post(login("approver"), f"/tasks/{task.id}/urge", page=f"/instances/{instance_id}")
    assert len(audit(application_id, "urged")) == 2


def test_the_recommender_urges_its_own_units_case_only(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    recommender = login("recommender_a")
    page = recommender.get(f"/applications/{application_id}").get_data(as_text=True)
    assert 'id="office-urge"' in page
    response = post(recommender, f"/tasks/{task.id}/urge", page=f"/applications/{application_id}")
    told = flashed(recommender, response)
    assert "已催办" in told and "邮件" not in told  # no mail server here: no word of mail (a walk found one)
    assert any(text.startswith("催办：recommender_a") for text in notices(world, "torch1"))
    for name in ("supervisor", "designer", "recommender_b", "applicant_a", "applicant_b", "expert1"):
        assert post(login(name), f"/tasks/{task.id}/urge").status_code == 403, name


def test_nobody_urges_a_step_that_waits_on_themselves(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    torch = login("torch1")
    response = post(torch, f"/tasks/{task.id}/urge")
    assert "本环节正等待您" in flashed(torch, response)
    assert audit(application_id, "urged") == []


def test_every_verb_is_403_to_a_supervisor(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    supervisor = login("supervisor")
    for verb in ("return", "withdraw", "transfer", "urge"):
        assert post(supervisor, f"/tasks/{task.id}/{verb}", {"target": "submit_application", "reason": "x"}
                    ).status_code == 403, verb
    assert post(supervisor, f"/applications/{application_id}/withdraw").status_code == 403
    case_page = supervisor.get(f"/instances/{task.instance_id}").get_data(as_text=True)
    assert 'id="office-urge"' not in case_page


def test_a_transfer_to_nobody_or_to_oneself_says_so(login, world):
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    torch = login("torch1")
    for chosen in ("", "abc"):
        response = post(torch, f"/tasks/{task.id}/transfer", {"colleague": chosen})
        assert "请选择一位同事" in flashed(torch, response), chosen
    response = post(torch, f"/tasks/{task.id}/transfer", {"colleague": str(user(world, "torch1").id)})
    assert "不能转办给自己" in flashed(torch, response)
    assert audit(application_id, "transferred") == []
