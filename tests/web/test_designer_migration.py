"""Moving running cases to a new version (issue 7, item 3): a compatible case moves and then follows the new
version; an incompatible one is refused, named by its step, and left exactly as it was; only designers reach it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.clock import clock
from webapp.engine.definitions import deploy, read_directory
from webapp.engine.runtime import restore
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask, ProcessInstance

from .flow import complete, open_task, start_application, submit_application
from .test_designer_changes import with_extra_review

PAGE = "/designer/migrate/recognition"


def _instance(application_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, db.session.get(Application, application_id).instance_id)


def _waiting_at_material_review(login) -> int:
    application_id = start_application(login("applicant_a"), "迁移测试空间")
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""})
    assert open_task(application_id, "material_review")
    return application_id


def _without_material_review(files: dict) -> dict:
    """The waiting step's id and name changed: for a running case, the step it waits on is gone."""
    xml = files["recognition.bpmn"].replace("material_review", "material_check").replace("材料完整性审核", "材料核验")
    assert xml != files["recognition.bpmn"]
    return {**files, "recognition.bpmn": xml}


def test_a_compatible_case_moves_and_then_follows_the_new_version(app, login, world):
    application_id = _waiting_at_material_review(login)
    torch = login("torch1")
    row = open_task(application_id, "material_review")
    assert torch.post(f"/tasks/{row.id}/claim", {}, from_page=f"/tasks/{row.id}").status_code in (302, 303)
    before = open_task(application_id, "material_review")
    due, lane, claimed, row_id = before.due_at, before.lane, before.claimed_by_id, before.id

    deploy(with_extra_review(read_directory(app.config["BPMN_DIR"])), note="add compliance review")
    db.session.commit()

    designer = login("designer")
    assert "/designer/migrate" in designer.get("/designer/").get_data(as_text=True)
    assert "众创空间认定" in designer.get("/designer/migrate").get_data(as_text=True)
    page = designer.get(PAGE).get_data(as_text=True)
    instance = _instance(application_id)
    assert f'name="instances" value="{instance.id}"' in page  # compatible: it can be ticked
    assert "材料完整性审核" in page

    response = designer.post(PAGE, {"instances": str(instance.id), "reason": "新增合规性复核环节，在办案件一并适用"})
    assert response.status_code == 302
    followed = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "已将 1 个案件迁移到第 2 版" in followed

    instance = _instance(application_id)
    assert instance.bundle.version == 2
    # the open task is the same row, in the same inbox, with the same due date and claim
    after = open_task(application_id, "material_review")
    assert (after.id, after.lane, after.due_at, after.claimed_by_id) == (row_id, lane, due, claimed)
    assert "材料完整性审核" in torch.get("/").get_data(as_text=True)

    # the move is in the case's audit trail: who, from which version to which, and why
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                        AuditEvent.action == "migrated")).one()
    assert event.actor_id == world["users"]["designer"].id
    assert event.detail["from_version"] == 1 and event.detail["to_version"] == 2
    assert event.detail["reason"] == "新增合规性复核环节，在办案件一并适用"
    case_page = login("supervisor").get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "迁移到新版本" in case_page and "v1 → v2：新增合规性复核环节" in case_page

    # completing the waiting task opens the step the new version added
    complete(torch, after, {"material_decision": "complete", "material_comments": ""})
    new_task = open_task(application_id, "compliance_review")
    assert new_task.lane == "torch_center" and new_task.title == "合规性复核"
    assert "合规性复核" in login("torch2").get("/").get_data(as_text=True)
    complete(login("torch2"), new_task, {"comment": "合规"})
    assert open_task(application_id, "organise_review")

    # nothing left to move
    assert f'value="{instance.id}"' not in designer.get(PAGE).get_data(as_text=True)


def test_a_case_whose_waiting_step_is_gone_is_refused_and_unchanged(app, login, world):
    application_id = _waiting_at_material_review(login)
    deploy(_without_material_review(read_directory(app.config["BPMN_DIR"])), note="rename material review")
    db.session.commit()
    instance = _instance(application_id)
    state, lock_version = instance.state, instance.lock_version
    rows = [(r.id, r.status, r.task_spec) for r in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id))]

    designer = login("designer")
    page = designer.get(PAGE).get_data(as_text=True)
    assert "材料完整性审核" in page
    assert f'name="instances" value="{instance.id}"' not in page  # no checkbox for it
    assert "material_review" not in page.split('id="migrate-cases"')[1]  # named by its Chinese name, not its id

    # forcing the POST anyway: refused, with the step named, and nothing changed
    response = designer.post(PAGE, {"instances": str(instance.id), "reason": "试图迁移"})
    assert response.status_code == 302
    shown = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "材料完整性审核" in shown and "未迁移" in shown

    instance = _instance(application_id)
    assert instance.bundle.version == 1
    assert instance.state == state and instance.lock_version == lock_version
    assert [(r.id, r.status, r.task_spec) for r in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id))] == rows
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "migrated")).all()
    # and the case goes on, on its own version
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    assert open_task(application_id, "organise_review")


def test_a_reason_and_a_ticked_case_are_required(app, login, world):
    application_id = _waiting_at_material_review(login)
    deploy(with_extra_review(read_directory(app.config["BPMN_DIR"])), note="add compliance review")
    db.session.commit()
    instance = _instance(application_id)
    designer = login("designer")
    assert designer.post(PAGE, {"instances": str(instance.id), "reason": ""}).status_code == 422
    assert designer.post(PAGE, {"reason": "没有勾选"}).status_code == 422
    assert _instance(application_id).bundle.version == 1


def test_only_designers_reach_the_move(app, login, world):
    application_id = _waiting_at_material_review(login)
    deploy(with_extra_review(read_directory(app.config["BPMN_DIR"])), note="add compliance review")
    db.session.commit()
    instance_id = _instance(application_id).id
    token = login("designer").token(PAGE)
    for username in ("applicant_a", "recommender_a", "torch1", "approver", "supervisor", "expert1"):
        browser = login(username)
        assert browser.get("/designer/migrate").status_code == 403, username
        assert browser.get(PAGE).status_code == 403, username
        response = browser.post(PAGE, {"instances": str(instance_id), "reason": "x", "csrf_token": token}, csrf=False)
        assert response.status_code in (400, 403), username
    anonymous = login(None)
    assert anonymous.get(PAGE).status_code in (302, 401)
    assert _instance(application_id).bundle.version == 1


def test_engine_level_move_keeps_due_dates_already_computed(app, login, world):
    """The case waits at its first step, whose deadline is a timer (逾期未提交). The new version adds a step
    and gives the deadline a new expression: a moved case keeps the deadline it already had, and loads again."""
    from webapp.designer import migration

    application_id = start_application(login("applicant_a"), "计时迁移")
    before = open_task(application_id, "submit_application")
    instance = _instance(application_id)
    timer_before = instance.next_timer_at
    assert timer_before is not None
    files = with_extra_review(read_directory(app.config["BPMN_DIR"]))
    later = files["recognition.bpmn"].replace(">submission_due</bpmn:timeDate>",
                                              ">add_duration(submission_due, \"P30D\")</bpmn:timeDate>")
    assert later != files["recognition.bpmn"]
    deploy({**files, "recognition.bpmn": later}, note="add compliance review, later deadline")
    db.session.commit()

    clock.advance(timedelta(days=3))
    with app.test_request_context():  # reasons are translated for the designer who asked
        result = migration.move_many("recognition", [instance.id], "测试", world["users"]["designer"])
    assert [i.id for i in result.moved] == [instance.id] and not result.refused
    db.session.commit()
    instance = _instance(application_id)
    assert instance.bundle.version == 2 and instance.next_timer_at == timer_before
    after = open_task(application_id, "submit_application")
    assert (after.id, after.due_at) == (before.id, before.due_at)
    restore(instance)  # loads on its own, on the new version's definition
    submit_application(login, application_id)
    assert open_task(application_id, "recommender_review")


def test_waits_inside_a_subprocess_are_checked_and_moved(app, login, world, space_id):
    """The lifecycle waits for its first half-year report inside the embedded subprocess 在册管理."""
    from webapp.designer import migration

    lifecycle = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == "space_lifecycle", ProcessInstance.status == "running")).one()
    timer_before, step_before = lifecycle.next_timer_at, lifecycle.current_step
    assert "认定满六个月" in step_before
    files = read_directory(app.config["BPMN_DIR"])

    gone = files["lifecycle.bpmn"].replace("wait_first_report", "wait_first_period")
    deploy({**files, "lifecycle.bpmn": gone}, note="first report wait renamed")
    db.session.commit()
    with app.test_request_context():
        listed = migration.candidates("space_lifecycle", migration.target_bundle("space_lifecycle"))
        assert [c.instance.id for c in listed] == [lifecycle.id]
        assert not listed[0].compatible and "认定满六个月" in " ".join(listed[0].reasons)
        refused = migration.move_many("space_lifecycle", [lifecycle.id], "测试", world["users"]["designer"])
    assert not refused.moved and "认定满六个月" in " ".join(refused.refused[0][1])
    db.session.commit()
    assert _lifecycle(lifecycle.id).bundle.version == 1

    renamed = files["lifecycle.bpmn"].replace('name="认定满六个月"', 'name="认定满半年"')
    deploy({**files, "lifecycle.bpmn": renamed}, note="first report wait renamed in Chinese only")
    db.session.commit()
    with app.test_request_context():
        moved = migration.move_many("space_lifecycle", [lifecycle.id], "测试", world["users"]["designer"])
    assert [i.id for i in moved.moved] == [lifecycle.id], moved.refused
    db.session.commit()
    lifecycle = _lifecycle(lifecycle.id)
    assert lifecycle.bundle.version == 3 and lifecycle.next_timer_at == timer_before
    assert "认定满半年" in lifecycle.current_step  # the new version's name for what it waits on
    restore(lifecycle)


def _lifecycle(instance_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id)


def test_a_case_in_the_middle_of_a_panel_moves_and_the_panel_finishes(app, login, world):
    """Each expert's task of a multi-instance panel keeps whom it is for across the move."""
    from webapp.designer import migration

    application_id = start_application(login("applicant_a"), "评审中迁移")
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    experts = ("expert1", "expert2", "expert3")
    complete(login("torch1"), open_task(application_id, "organise_review"),
             {"panel_experts": [str(world["users"][e].id) for e in experts]})
    first = world["users"]["expert1"]
    complete(login("expert1"), open_task(application_id, "expert_review", first.id),
             {"base": "80", "bonus": "0", "comments": "材料齐全"})

    deploy(with_extra_review(read_directory(app.config["BPMN_DIR"])), note="add compliance review")
    db.session.commit()
    instance = _instance(application_id)
    with app.test_request_context():
        result = migration.move_many("recognition", [instance.id], "测试", world["users"]["designer"])
    assert [i.id for i in result.moved] == [instance.id], result.refused
    db.session.commit()
    for name in ("expert2", "expert3"):
        user = world["users"][name]
        complete(login(name), open_task(application_id, "expert_review", user.id),
                 {"base": "80", "bonus": "0", "comments": "运营良好"})
    assert _instance(application_id).bundle.version == 2
    instance = _instance(application_id)
    assert instance.bundle.version == 2 and instance.status == "running"
    assert {"site_inspection", "credit_check"} <= {r.task_spec for r in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open"))}
    wf = restore(instance)
    panel = [t for t in wf.get_tasks(spec_name="expert_review") if t.data.get("expert_scores")]
    assert panel and len(panel[0].data["expert_scores"]) == 3  # every expert's score, for the one each was asked


def test_a_case_with_queued_objections_moves_only_to_a_version_that_takes_them_up(app, login, world):
    """An objection that came in during another's investigation waits in the case's queue until the diagram's
    take_queued_objection takes it; moved to a version without that step, nothing would ever investigate it."""
    from webapp.models import Objection

    application_id = _waiting_at_material_review(login)
    instance = _instance(application_id)
    db.session.add(Objection(instance_id=instance.id, application_id=application_id, objector="李四",
                             objector_kind="individual", contact="139", reasons="面积不实", queued=True,
                             lodged_at=clock.now()))
    files = read_directory(app.config["BPMN_DIR"])
    xml = files["recognition.bpmn"].replace('<spiffworkflow:serviceTaskOperator id="take_queued_objection">',
                                            '<spiffworkflow:serviceTaskOperator id="settle_queued_objections">')
    assert xml != files["recognition.bpmn"]
    deploy({**files, "recognition.bpmn": xml}, note="without the objection queue")
    db.session.commit()

    designer = login("designer")
    page = designer.get(PAGE).get_data(as_text=True)
    assert f'name="instances" value="{instance.id}"' not in page
    assert "该事项有排队待调查的异议" in page
    response = designer.post(PAGE, {"instances": str(instance.id), "reason": "试图迁移"})
    assert "未迁移" in designer.get(response.headers["Location"]).get_data(as_text=True)
    assert _instance(application_id).bundle.version == 1
    # once nothing waits in the queue, the same case may move
    db.session.scalars(select(Objection)).one().queued = False
    db.session.commit()
    assert f'name="instances" value="{instance.id}"' in designer.get(PAGE).get_data(as_text=True)
