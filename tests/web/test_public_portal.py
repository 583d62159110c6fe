"""The public portal (issue 8, item 5): notices, objections and the registry without an account; an
objection through it reaches the running notice's case; late, anonymous and unstamped-unit ones are
refused with the reason and recorded; CSRF and rate limits hold; no internal data is shown."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from webapp.clock import clock
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import Application, Attachment, HumanTask, Objection, PublicNotice, User
from webapp.notices import objections

from .conftest import pdf
from .flow import complete, open_task, recognise, shortlisted, start_application

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def html(response) -> str:
    return response.get_data(as_text=True)


def flashed(browser, response) -> str:
    assert response.status_code == 302, html(response)[:2000]
    return html(browser.get(response.headers["Location"]))


def recognition_notice(application_id: int) -> PublicNotice:
    return db.session.scalars(select(PublicNotice).where(PublicNotice.subject_type == "application",
                                                         PublicNotice.subject_id == application_id)).one()


def object_to(browser, notice: PublicNotice, token: str | None = None, **fields):
    """Send the notice page's objection form (with the token of a page loaded earlier, if given)."""
    data = {"objector_kind": "individual", "objector": "张三", "contact": "13900000000",
            "reasons": "场地面积与申报不符"}
    data.update(fields)
    page = f"/public/notices/{notice.id}"
    if token is not None:
        return browser.post(f"{page}/objections", {**data, "csrf_token": token}, csrf=False)
    return browser.post(f"{page}/objections", data, from_page=page)


def waiting_specs(application_id: int) -> set[str]:
    instance = db.session.get(Application, application_id).instance
    return {t.task_spec.name for t in Runtime().load(instance).get_tasks(state=TaskState.WAITING)}


@pytest.fixture
def notice(login, world) -> PublicNotice:
    """A recognition shortlist entry under public notice (its case waits at 公示中)."""
    return recognition_notice(shortlisted(login, world))


def test_notices_their_pages_and_the_registry_need_no_account(login, world, notice):
    public = login(None)
    listing = html(public.get("/public/notices"))
    assert notice.title in listing and f"/public/notices/{notice.id}" in listing
    page = html(public.get(f"/public/notices/{notice.id}"))
    end = notice.ends_at.astimezone(clock.now().tzinfo)
    assert "公示中" in page and "提出异议" in page and 'name="csrf_token"' in page
    assert re.search(r"公示期：2026-\d\d-\d\d 至 2026-\d\d-\d\d（含）", page)
    assert "公示期至" in listing and "（含）" in listing
    assert end.date().isoformat() > "2026-03-02"
    assert public.get("/public/spaces").status_code == 200
    assert public.get("/public/notices/99999").status_code == 404
    assert public.get("/public/notices/abc").status_code == 404
    login_page = html(public.get("/login"))
    assert "/public/notices" in login_page and "/public/spaces" in login_page
    assert "/public/notices" in html(public.get("/public/spaces"))  # the nav for visitors


def test_ended_and_withdrawn_notices_are_marked_and_take_no_objection_form(login, world, notice):
    public = login(None)
    clock.advance(timedelta(days=20))  # by the calendar the notice has ended (the sweeper has not run)
    page = html(public.get(f"/public/notices/{notice.id}"))
    assert "已结束" in page and "不再受理异议" in page and "提交异议" not in page
    assert "已结束" in html(public.get("/public/notices"))
    notice.withdrawn_at = clock.now()
    db.session.commit()
    page = html(public.get(f"/public/notices/{notice.id}"))
    assert "已撤回" in page and "提交异议" not in page


def test_no_internal_data_on_the_public_pages(login, world):
    application_id = start_application(login("applicant_a"))
    recognise(login, world, application_id)  # a space in the registry, its notice ended
    notice = recognition_notice(shortlisted_second(login, world))
    public = login(None)
    pages = [html(public.get(url)) for url in ("/public/notices", f"/public/notices/{notice.id}", "/public/spaces")]
    registry = pages[2]
    assert "青城创客空间" in registry and "青城创客科技有限公司" in registry and "呼和浩特市科技局" in registry
    assert "已认定" in registry
    for page in pages:
        for staff in ("torch1", "torch2", "approver", "expert1", "expert2", "expert3", "recommender_a"):
            assert staff not in page
        assert "/instances/" not in page and "instance" not in page.lower() and "/tasks/" not in page
        assert "panel_score" not in page and "80.00" not in page  # the shortlist does not publish scores
        assert "NMZC-" not in page  # nor certificate numbers
        assert "/spaces/" not in page and "/applications/" not in page  # no links into the staff area
    # the only ids on the pages are the notices' own, in their addresses
    linked = {int(n) for page in pages for n in re.findall(r"/public/notices/(\d+)", page)}
    assert linked <= set(db.session.scalars(select(PublicNotice.id)))


def shortlisted_second(login, world) -> int:
    """A second application of organisation B, through the reviews onto the shortlist."""
    from .flow import application_fields, complete, with_files

    application_id = start_application(login("applicant_b"), "鹿城创客空间")
    complete(login("applicant_b"), open_task(application_id, "submit_application"),
             with_files(application_fields(space_name="鹿城创客空间")))
    complete(login("recommender_b"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    experts = ("expert1", "expert2", "expert4")
    complete(login("torch1"), open_task(application_id, "organise_review"),
             {"panel_experts": [str(world["users"][e].id) for e in experts]})
    for name in experts:
        complete(login(name), open_task(application_id, "expert_review", world["users"][name].id),
                 {"base": "80", "bonus": "0", "comments": "良好"})
    complete(login("torch1"), open_task(application_id, "site_inspection"),
             {"site_inspection_passed": "yes", "site_inspection_report": "一致"})
    complete(login("torch2"), open_task(application_id, "credit_check"),
             {"credit_blacklisted": "no", "credit_abnormal": "no", "credit_notes": ""})
    complete(login("approver"), open_task(application_id, "shortlist_decision"),
             {"shortlist_decision": "shortlist", "shortlist_comments": ""})
    return application_id


def test_an_objection_through_the_public_page_interrupts_the_running_notice(login, world, notice):
    application_id = notice.subject_id
    assert "notice_timer" in waiting_specs(application_id)
    public = login(None)
    response = object_to(public, notice, objector_kind="unit", objector="某某孵化器有限公司", contact="0471-1234567",
                         stamp=pdf("异议函（盖章）.pdf"),
                         evidence=[pdf("场地照片说明.pdf"), (io.BytesIO(PNG), "现场照片.png")])
    assert "您的异议已收到" in flashed(public, response)
    # the case left the notice's wait, and the Torch Center investigates
    assert "notice_timer" not in waiting_specs(application_id)
    task = open_task(application_id, "investigate_objection")
    assert task.lane == "torch_center"
    assert "异议调查核实" in html(login("torch1").get("/"))
    objection = db.session.scalars(select(Objection)).one()
    assert (objection.origin, objection.recorded_by_id, objection.refused_reason) == ("public", None, "")
    assert objection.notice_id == notice.id and objection.objector == "某某孵化器有限公司"
    files = objection.files
    assert [(f.kind, f.original_name) for f in files] == [
        ("objection_stamp", "异议函（盖章）.pdf"), ("objection_evidence", "场地照片说明.pdf"),
        ("objection_evidence", "现场照片.png")]
    assert files[0].uploaded_by_id is None and files[2].content_type == "image/png"
    assert files[0].application_id is None and files[0].instance_id is None  # the applicant never sees them
    assert login("torch1").get(f"/attachments/{files[0].id}").status_code == 200
    assert login("applicant_a").get(f"/attachments/{files[0].id}").status_code == 403
    # the staff who investigate see the objector's letter and evidence on their task (they were never shown)
    investigation = html(login("torch1").get(f"/tasks/{task.id}"))
    for f in files:
        assert f'href="/attachments/{f.id}"' in investigation and f.original_name in investigation
    record = html(login("supervisor").get(f"/instances/{notice.instance_id}"))
    assert f'href="/attachments/{files[0].id}"' in record
    assert "异议函（盖章）.pdf" not in html(login("applicant_a").get(f"/applications/{application_id}"))
    # a second one while the first is investigated, still in the notice period and real-named, is accepted too
    # (it used to be refused): it waits, and is investigated after the first
    response = object_to(public, notice, objector="李四", contact="13800000000", reasons="公共面积与实际不符")
    assert "您的异议已收到" in flashed(public, response)
    second = db.session.scalars(select(Objection).where(Objection.objector == "李四")).one()
    assert second.queued and second.refused_reason == "" and second.instance_id == notice.instance_id
    for viewer, page_url in (("supervisor", f"/instances/{notice.instance_id}"), ("torch1", f"/applications/{application_id}")):
        assert "排队中：前一件异议处理完后接着调查" in html(login(viewer).get(page_url)), viewer
    # those investigating the first see that another waits (they did not), and the history has both arrivals
    first_page = html(login("torch1").get(f"/tasks/{task.id}"))
    others = first_page.split('id="other-objections"', 1)[1].split("</ul>", 1)[0]
    assert "李四" in others and "排队中" in others
    from webapp.models import AuditEvent

    arrivals = db.session.scalars(select(AuditEvent.title).where(
        AuditEvent.instance_id == notice.instance_id, AuditEvent.action.in_(("message", "queued")))).all()
    assert arrivals == ["收到异议", "收到异议"]
    assert "排队等候" in html(login("supervisor").get(f"/instances/{notice.instance_id}"))  # the second's, in words
    complete(login("torch1"), task, {"objection_findings": "经核实，场地与申报一致"})
    # the Department is told, where it writes the answer, who will read it: an upheld objection's answer is the
    # applicant's reason, which must not give the objector away
    decision_page = html(login("approver").get(f"/tasks/{open_task(application_id, 'decide_objection').id}"))
    assert "答复将告知异议人；异议成立时，申请单位也会看到这段答复" in decision_page
    assert "请勿写出异议人的姓名" in decision_page
    complete(login("approver"), open_task(application_id, "decide_objection"),
             {"objection_upheld": "no", "objection_answer": "异议不成立"})
    again = open_task(application_id, "investigate_objection")  # the second, before the notice resumes
    page = html(login("torch1").get(f"/tasks/{again.id}"))
    assert "李四" in page and "公共面积与实际不符" in page
    assert "经核实，场地与申报一致" not in page  # the first one's findings are not carried over
    db.session.expire_all()
    assert not db.session.get(Objection, second.id).queued
    assert "notice_timer" not in waiting_specs(application_id)
    others = page.split('id="other-objections"', 1)[1].split("</ul>", 1)[0]
    assert "某某孵化器有限公司" in others and "<strong>异议不成立</strong>：异议不成立" in others  # the first, decided
    complete(login("torch1"), again, {"objection_findings": "面积经复测相符"})
    complete(login("approver"), open_task(application_id, "decide_objection"),
             {"objection_upheld": "no", "objection_answer": "经复测，公共面积与申报相符"})
    assert "notice_timer" in waiting_specs(application_id)  # nothing more to investigate: the notice runs on
    # each objection keeps its own decision and answer (they were only in the audit trail), and the staff and
    # supervisors read them beside the objection
    db.session.expire_all()
    assert [(o.objector, o.upheld, o.answer) for o in db.session.scalars(select(Objection).order_by(Objection.id))] \
        == [("某某孵化器有限公司", False, "异议不成立"), ("李四", False, "经复测，公共面积与申报相符")]
    for viewer, page_url in (("supervisor", f"/instances/{notice.instance_id}"), ("torch1", f"/applications/{application_id}")):
        assert "<strong>异议不成立</strong>：经复测，公共面积与申报相符" in html(login(viewer).get(page_url)), viewer


def test_a_late_objection_is_refused_with_the_reason_and_recorded(login, world, notice):
    public = login(None)
    token = public.token(f"/public/notices/{notice.id}")  # the form was opened while the notice ran
    clock.advance(timedelta(days=20))  # the notice ended; the sweeper has not run yet
    response = object_to(public, notice, token, reasons="迟到的异议")
    text = flashed(public, response)
    assert "公示期已结束" in text and "未予受理" in text
    objection = db.session.scalars(select(Objection)).one()
    assert objection.refused_reason == objections.LATE and objection.reasons == "迟到的异议"
    assert objection.origin == "public"
    assert db.session.scalar(select(func.count(HumanTask.id)).where(
        HumanTask.task_spec == "investigate_objection")) == 0


def test_an_anonymous_objection_is_refused_and_recorded(login, world, notice):
    """Refused and recorded; the form comes back as it was sent, the missing name or contact marked, so the
    person can send it again complete (the page used to reload empty, the typed reasons gone)."""
    public = login(None)
    response = object_to(public, notice, objector="", contact="", reasons="公共场地面积不足")
    page = html(response)
    assert response.status_code == 200 and "不受理匿名异议" in page
    assert "公共场地面积不足" in page  # the reasons as typed
    assert page.count("请填写此项。") == 2  # name and contact
    response = object_to(public, notice, objector="王五", contact=" ")
    page = html(response)
    assert "不受理匿名异议" in page and 'value="王五"' in page and page.count("请填写此项。") == 1
    refused = db.session.scalars(select(Objection)).all()
    assert [o.refused_reason for o in refused] == [objections.ANONYMOUS] * 2
    assert "notice_timer" in waiting_specs(notice.subject_id)  # the notice runs on
    # staff read why it was refused, not another reason ("不在公示期内" was written for every refusal)
    record = html(login("torch1").get(f"/applications/{notice.subject_id}"))
    assert "不受理匿名异议" in record and "不在公示期内" not in record


def test_a_unit_without_its_stamped_scan_is_refused(login, world, notice):
    public = login(None)
    response = object_to(public, notice, objector_kind="unit", objector="某单位", contact="0471-0000000")
    assert response.status_code == 200 and "加盖单位公章" in html(response)
    assert "请添加加盖单位公章的函件扫描件" in html(response) and 'value="某单位"' in html(response)
    assert db.session.scalars(select(Objection)).one().refused_reason == objections.NO_STAMP
    # a stamp that is not a scan (a spreadsheet) is a form error: nothing recorded, the notice runs on
    response = object_to(public, notice, objector_kind="unit", objector="某单位", contact="0471-0000000",
                         stamp=(io.BytesIO(b"PK\x03\x04" + b"0" * 64), "盖章.xlsx"))
    assert response.status_code == 400 and "PDF 或图片" in html(response)
    assert db.session.scalar(select(func.count(Objection.id))) == 1
    assert db.session.scalar(select(func.count(Attachment.id)).where(Attachment.objection_id.is_not(None))) == 0
    assert "notice_timer" in waiting_specs(notice.subject_id)


def test_an_objection_without_the_csrf_token_is_refused(login, world, notice):
    public = login(None)
    response = public.post(f"/public/notices/{notice.id}/objections", {
        "objector_kind": "individual", "objector": "张三", "contact": "139", "reasons": "x"}, csrf=False)
    assert response.status_code == 400 and "表单" in html(response)
    assert db.session.scalar(select(func.count(Objection.id))) == 0
    assert "notice_timer" in waiting_specs(notice.subject_id)


def test_objections_and_reads_are_rate_limited_with_a_chinese_page(app, login, world, notice):
    """Only objections the case took count toward the hourly limit: a form sent back with an error (or refused,
    e.g. as anonymous) used up one of the five, so a person who made mistakes was shut out before objecting at
    all. The limit's page says the objection was not sent and how long to wait, in Chinese."""
    app.config["PORTAL_OBJECTION_LIMIT"] = "2 per hour"
    public = login(None)
    for _ in range(3):
        assert object_to(public, notice, reasons="").status_code == 400  # a form error: not counted
        assert object_to(public, notice, objector="", contact="").status_code == 200  # refused: not counted
    for reasons in ("场地面积与申报不符", "公共服务场地被出租"):
        assert "您的异议已收到" in flashed(public, object_to(public, notice, reasons=reasons))
    response = object_to(public, notice, reasons="第三件异议")
    page = html(response)
    assert response.status_code == 429 and "本次异议未能提交" in page, page
    wait = re.search(r"请约 (\d+) 分钟后再试", page)
    assert wait and 1 <= int(wait.group(1)) <= 60, page
    assert abs(int(response.headers["Retry-After"]) - int(wait.group(1)) * 60) <= 60  # the same wait
    assert db.session.scalar(select(func.count(Objection.id)).where(Objection.refused_reason == "")) == 2
    assert "第三件异议" not in [o.reasons for o in db.session.scalars(select(Objection))]
    app.config["PORTAL_READ_LIMIT"] = "3 per minute"
    statuses = [public.get("/public/spaces").status_code for _ in range(3)]
    response = public.get("/public/spaces")
    assert statuses == [200, 200, 200] and response.status_code == 429
    assert "短时间内请求过多。请约 1 分钟后再试。" in html(response)
    assert login("torch1").get("/spaces").status_code == 200  # staff pages are not limited


def test_objections_refused_in_bulk_still_meet_a_limit(app, login, world, notice):
    """Refused objections are recorded; not counting them toward the five must not let one address fill the
    table with them: every objection sent, taken or not, counts toward a wider bound."""
    app.config["PORTAL_OBJECTION_ATTEMPT_LIMIT"] = "4 per hour"
    public = login(None)
    assert [object_to(public, notice, objector="", contact="").status_code for _ in range(5)] == [200] * 4 + [429]
    assert db.session.scalar(select(func.count(Objection.id))) == 4


def test_staff_still_record_objections_on_the_notice(login, world, notice):
    response = login("torch1").post(f"/notices/{notice.id}/objections", {
        "objector_kind": "individual", "objector": "赵六", "contact": "139", "reasons": "材料不实"},
        from_page="/notices")
    assert response.status_code == 302
    objection = db.session.scalars(select(Objection)).one()
    assert objection.origin == "staff" and objection.recorded_by_id == world["users"]["torch1"].id
    assert open_task(notice.subject_id, "investigate_objection")


def test_a_supervisor_reads_the_portal_but_cannot_object_through_it(login, world, notice):
    supervisor = login("supervisor")
    page = html(supervisor.get(f"/public/notices/{notice.id}"))
    assert notice.title in page and "提交异议" not in page
    response = supervisor.post(f"/public/notices/{notice.id}/objections", {
        "objector_kind": "individual", "objector": "张三", "contact": "139", "reasons": "x"}, from_page="/")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Objection.id))) == 0


def test_an_objection_that_meets_a_decision_saved_meanwhile_is_not_lost(login, world, notice, monkeypatch):
    """The race a review found: the objection is judged "not waiting" (the case is at 异议处理决定), then the
    Department's dismissal is saved (it looks for queued objections, finds none, resumes the notice), then the
    objection was queued: nothing would ever take it, and the space was recognised without it. Now the
    objection claims the case's version with its place in the queue; finding it changed, it looks again and
    reaches the resumed notice as its message. (The dismissal is saved here, at that very moment, in the same
    transaction: what another request's commit would do.)"""
    from webapp.engine.runtime import Runtime
    from webapp.notices import objections as module

    application_id = notice.subject_id
    public = login(None)
    assert "您的异议已收到" in flashed(public, object_to(public, notice, objector="张三"))
    complete(login("torch1"), open_task(application_id, "investigate_objection"), {"objection_findings": "不属实"})
    decision_id, approver_id = open_task(application_id, "decide_objection").id, world["users"]["approver"].id
    original, calls = module.notice_running, []

    def dismissal_saved_meanwhile(instance):
        if not calls:  # the request's own session: what a commit by another request would have left
            Runtime(actor=db.session.get(User, approver_id)).complete(
                db.session.get(HumanTask, decision_id), {"objection_upheld": False, "objection_answer": "异议不成立"})
            db.session.flush()
        calls.append(instance.id)
        return original(instance)

    monkeypatch.setattr(module, "notice_running", dismissal_saved_meanwhile)
    assert "您的异议已收到" in flashed(public, object_to(public, notice, objector="李四", reasons="第二件异议"))
    second = db.session.scalars(select(Objection).where(Objection.objector == "李四")).one()
    assert not second.queued and second.refused_reason == ""
    task = open_task(application_id, "investigate_objection")  # delivered to the resumed notice
    assert "第二件异议" in html(login("torch1").get(f"/tasks/{task.id}"))


def test_the_same_objection_sent_again_is_refused_and_a_new_one_is_heard(login, world, notice):
    """An outside probe: the same objection (same objector, contact and reasons) posted twice was accepted twice
    and queued for a second investigation; anyone could make a case's investigations go on and on. Sent again it
    is refused, the reason told and recorded; the same person's objection with other reasons is heard."""
    public = login(None)
    assert "您的异议已收到" in flashed(public, object_to(public, notice, reasons="场地面积与申报不符"))
    again = flashed(public, object_to(public, notice, reasons=" 场地面积与申报不符 "))  # whitespace aside, the same
    assert "您已对本公示提出过内容相同的异议" in again
    rows = db.session.scalars(select(Objection).order_by(Objection.id)).all()
    assert [(o.refused_reason, o.queued) for o in rows] == [("", False), (objections.REPEATED, False)]
    assert "您的异议已收到" in flashed(public, object_to(public, notice, reasons="公共服务场地被出租"))
    assert db.session.scalars(select(Objection).order_by(Objection.id.desc())).first().queued


def test_a_notice_whose_objection_was_upheld_is_withdrawn_and_takes_no_more(login, world, notice):
    """A walk of the demo: after an upheld objection ended the case (不予认定), the portal still showed the
    shortlist entry as 公示中 with its objection form, and a further objection was refused as "not taking
    objections (for example, an earlier one is being investigated)". The notice is withdrawn now."""
    application_id = notice.subject_id
    public = login(None)
    assert "您的异议已收到" in flashed(public, object_to(public, notice, objector="张三"))
    token = public.token(f"/public/notices/{notice.id}")  # a page opened while the notice still ran
    complete(login("torch1"), open_task(application_id, "investigate_objection"), {"objection_findings": "属实"})
    complete(login("approver"), open_task(application_id, "decide_objection"),
             {"objection_upheld": "yes", "objection_answer": "异议成立，不予认定"})
    db.session.expire_all()
    assert db.session.get(PublicNotice, notice.id).withdrawn_at is not None
    page = html(public.get(f"/public/notices/{notice.id}"))
    assert "已撤回" in page and 'name="reasons"' not in page
    text = flashed(public, object_to(public, notice, token, objector="李四", reasons="另有异议"))
    assert "该公示已撤回" in text and "例如" not in text
    # the recommending unit, which recommended it, is told the outcome too (it was not)
    from webapp.models import Notification

    told = db.session.scalars(select(Notification.text).where(
        Notification.user_id == world["users"]["recommender_a"].id)).all()
    assert any("公示异议成立，不予认定" in t and "异议成立，不予认定" in t for t in told), told


def test_an_objection_queued_meanwhile_does_not_stop_the_investigator_taking_back_the_findings(login, world, notice):
    """A review of the change: the queued objection's arrival was recorded as a "message", which counts as the
    case moving on, so the investigator could no longer take back (撤回) findings nobody had acted on."""
    application_id = notice.subject_id
    public = login(None)
    assert "您的异议已收到" in flashed(public, object_to(public, notice, objector="张三"))
    task = open_task(application_id, "investigate_objection")
    torch = login("torch1")
    complete(torch, task, {"objection_findings": "初步核实"})
    assert "您的异议已收到" in flashed(public, object_to(public, notice, objector="李四", reasons="另一件"))
    response = torch.post(f"/tasks/{task.id}/withdraw", {}, from_page="/")
    assert "您已撤回" in flashed(torch, response)
    assert open_task(application_id, "investigate_objection").id == task.id


def test_the_applicant_and_its_unit_are_told_when_the_notice_opens(login, world, notice):
    """A walk of the demo: the applicant learnt nothing between handing in and the outcome — not that it was
    shortlisted, nor that its notice ran and until when."""
    from webapp.engine.sandbox import last_day
    from webapp.models import Notification

    for name in ("applicant_a", "recommender_a"):
        told = db.session.scalars(select(Notification.text).where(
            Notification.user_id == world["users"][name].id)).all()
        assert any("已列入自治区众创空间拟认定名单" in t and f"公示至 {last_day(notice.ends_at.isoformat())}（含当日）" in t
                   for t in told), (name, told)


def test_staff_are_offered_the_objection_form_only_while_the_notice_runs(login, world):
    """A walk of the demo: the Torch Center's form to record an objection showed on an application under review
    with no notice, and refused only once filled in (该申报不在公示期内)."""
    from .flow import submit_application, through_to_shortlist

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    through_to_shortlist(login, world, application_id)
    torch = login("torch1")
    form = f'action="/applications/{application_id}/objections"'
    assert form not in html(torch.get(f"/applications/{application_id}"))  # under review, no notice yet
    complete(login("approver"), open_task(application_id, "shortlist_decision"),
             {"shortlist_decision": "shortlist", "shortlist_comments": ""})
    assert form in html(torch.get(f"/applications/{application_id}"))  # the notice runs
