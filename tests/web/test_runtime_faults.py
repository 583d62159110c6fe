"""Runtime faults a designer can act on (issue 7, item 5).

A diagram version that passes every deploy check can still fail on a real case (a condition that compares
text with a number, a parameter that adds a number to a date). Then the person is told in Chinese that the
procedure has a fault and nothing was saved; the failed action leaves no trace but the fault record; the
designers and supervisors see the element, the expression and the engine's message on the case page; no
one else ever sees the engine's message."""

from __future__ import annotations

import re

from markupsafe import escape
from sqlalchemy import func, select

from webapp.clock import clock
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask, Objection, ProcessFault, ProcessInstance

from .flow import complete, move_clock, open_task, shortlisted, start_application, submit_application

FAULT_TEXT = "流程定义在此环节有错误"  # the start of the Chinese sentence every user gets
RECOMMEND = 'recommender_decision == "recommend"</bpmn:conditionExpression>'
BROKEN_CONDITION = 'recommender_decision == "recommend" and recommender_comments > 1'


def deploy_edited(app, file: str, old: str, new: str) -> None:
    """A new version whose only change is `old` → `new` in `file`; `deploy` runs every deploy check."""
    files = read_directory(app.config["BPMN_DIR"])
    edited = files[file].replace(old, new)
    assert edited != files[file]
    assert deploy({**files, file: edited}, note="a change that fails at run time").version == 2
    db.session.commit()


def instance_of(application_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, db.session.get(Application, application_id).instance_id)


def flashed(browser, response) -> str:
    assert response.status_code == 302
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def faults() -> list[ProcessFault]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProcessFault).order_by(ProcessFault.id)))


def assert_applicant_never_sees(login, application_id: int, *secrets: str) -> None:
    """The case's own applicant: no page it can open shows the engine's message or the expression."""
    applicant = login("applicant_a")
    instance_id = db.session.get(Application, application_id).instance_id
    for url in ["/", "/applications", f"/applications/{application_id}", "/notifications", "/spaces"]:
        page = applicant.get(url).get_data(as_text=True)
        for secret in secrets:
            assert secret not in page and str(escape(secret)) not in page, (url, secret)
    assert applicant.get(f"/instances/{instance_id}").status_code == 403
    assert applicant.get("/faults").status_code == 403


def test_a_failing_condition_is_reported_and_nothing_is_saved(app, login, world):
    deploy_edited(app, "recognition.bpmn", RECOMMEND, RECOMMEND.replace(
        'recommender_decision == "recommend"', BROKEN_CONDITION.replace(">", "&gt;")))
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    before = instance_of(application_id)
    state, version, events = before.state, before.lock_version, db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.instance_id == before.id))

    recommender = login("recommender_a")
    response = complete(recommender, task, {"recommender_decision": "recommend", "recommendation_letter": "同意推荐",
                                            "recommender_comments": ""})
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")  # back on the same step
    page = flashed(recommender, response)
    assert FAULT_TEXT in page and "未保存" in page
    for leak in ("TypeError", "WorkflowTaskException", "gw_recommender", "not supported", "&gt; 1"):
        assert leak not in page

    # Nothing saved: the step is still open, the engine state, version and history are as they were.
    after = instance_of(application_id)
    assert db.session.get(HumanTask, task.id).status == "open"
    assert (after.state, after.lock_version) == (state, version)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.instance_id == after.id)) == events
    assert db.session.get(Application, application_id).status == "in_review"

    [fault] = faults()
    assert (fault.instance_id, fault.element_id, fault.element_name) == (after.id, "gw_recommender", "推荐意见？")
    assert fault.expression == BROKEN_CONDITION
    assert "TypeError" in fault.message and "'>' not supported" in fault.message
    assert (fault.trigger, fault.step, fault.actor_id) == ("task", "推荐单位审核", world["users"]["recommender_a"].id)
    assert fault.bundle.version == 2 and fault.process_id == "recognition" and fault.current

    # Supervisors and designers see the element, the expression and the engine's message on the case page.
    for who in ("supervisor", "designer"):
        case = login(who).get(f"/instances/{after.id}")
        assert case.status_code == 200, who
        html = case.get_data(as_text=True)
        for shown in ("推荐意见？", "gw_recommender", str(escape(BROKEN_CONDITION)), str(escape("'>' not supported")),
                      "推荐单位审核"):
            assert shown in html, (who, shown)
        assert f"/instances/{after.id}" in login(who).get("/faults").get_data(as_text=True)
    # Other staff learn that a fault holds the case up, not what the engine said.
    torch = login("torch1").get(f"/instances/{after.id}").get_data(as_text=True)
    assert "流程定义" in torch and "not supported" not in torch and "gw_recommender" not in torch
    assert login("torch1").get("/faults").status_code == 403
    assert_applicant_never_sees(login, application_id, "not supported", "TypeError", BROKEN_CONDITION, "gw_recommender")
    assert "not supported" not in recommender.get(f"/tasks/{task.id}").get_data(as_text=True)

    # The same step done another way moves the case on: the fault is no longer current.
    complete(recommender, open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "请补充材料"})
    [fault] = faults()
    assert not fault.current
    assert open_task(application_id, "submit_application")


def test_designers_reach_only_the_case_page(app, login, world):
    application_id = start_application(login("applicant_a"))
    designer = login("designer")
    assert designer.get(f"/instances/{instance_of(application_id).id}").status_code == 200
    assert designer.get("/instances").status_code == 403
    assert designer.get(f"/applications/{application_id}").status_code == 403
    assert "青城创客空间" not in designer.get("/spaces").get_data(as_text=True)


def test_a_timer_that_fails_is_recorded_and_the_sweeper_moves_on(app, login, world):
    # The reason written when an application lapses adds a number to a date: it fails only when the timer fires.
    deploy_edited(app, "recognition.bpmn", "last_day(submission_due) + &quot;，含当日",
                  "last_day(submission_due) + 1 + &quot;，含当日")
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    version = instance_of(application_id).lock_version

    move_clock(days=305)  # past the round's last day (2026-12-31): the lapse timer fires, and fails
    [fault] = faults()
    instance = instance_of(application_id)
    assert (fault.instance_id, fault.element_id, fault.element_name) == (instance.id, "set_outcome_lapsed", "记录结果：逾期未提交")
    assert "last_day(submission_due) + 1" in fault.expression and "TypeError" in fault.message
    assert (fault.trigger, fault.actor_id, fault.occurrences) == ("timer", None, 1)
    assert db.session.get(HumanTask, task.id).status == "open"  # nothing of the timer's run was kept
    assert instance.status == "running" and instance.next_timer_at > clock.now()  # tried again later
    assert instance.lock_version == version + 1  # only the retry time changed
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                           AuditEvent.action.in_(("timer", "error")))).all()

    move_clock(days=1)  # retried: the same fault is counted, not repeated
    [fault] = faults()
    assert fault.occurrences == 2 and fault.current

    html = login("supervisor").get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "set_outcome_lapsed" in html and "记录结果：逾期未提交" in html and "TypeError" in html
    assert_applicant_never_sees(login, application_id, "TypeError", "set_outcome_lapsed", "last_day(submission_due) + 1")


def test_a_case_that_fails_while_starting_is_not_kept(app, login, world):
    deploy_edited(app, "recognition.bpmn", "<bpmn:script>submission_due = round_closes_at</bpmn:script>",
                  "<bpmn:script>submission_due = round_closes_at\nweeks = len(round_closes_at) / 0</bpmn:script>")
    applicant = login("applicant_a")
    response = applicant.post("/applications/new", {"space_name": "开始即出错的空间"})
    page = flashed(applicant, response)
    assert FAULT_TEXT in page and "ZeroDivisionError" not in page
    assert db.session.scalar(select(func.count(Application.id))) == 0
    assert db.session.scalar(select(func.count(ProcessInstance.id))) == 0

    [fault] = faults()
    assert (fault.instance_id, fault.process_id, fault.element_id) == (None, "recognition", "init_application")
    assert (fault.expression, fault.line_number) == ("weeks = len(round_closes_at) / 0", 2)
    assert "ZeroDivisionError" in fault.message and fault.trigger == "start"
    listing = login("designer").get("/faults").get_data(as_text=True)
    assert "init_application" in listing and "ZeroDivisionError" in listing
    assert applicant.get("/faults").status_code == 403
    assert "ZeroDivisionError" not in applicant.get("/applications").get_data(as_text=True)


def test_the_fault_sentence_names_no_engine_class(app, login, world):
    """The English msgid too: the user's sentence is the same whatever failed."""
    from webapp.views import engine_fault_message

    with app.test_request_context("/?lang=en"):
        text = engine_fault_message()
    assert "Nothing was saved" in text and not re.search(r"[A-Z][a-z]+[A-Z]\w*(Error|Exception)", text)


INVESTIGATE = ("</spiffworkflow:properties>\n      </bpmn:extensionElements>\n"
               "      <bpmn:incoming>Flow_clear_investigate</bpmn:incoming>")
FAILING_PRESCRIPT = 'days = len(objection["reasons"]) / 0'


def test_an_objection_the_diagram_fails_on_is_not_kept(app, login, world):
    # The investigation step's preScript divides by zero: it runs when the objection message arrives.
    deploy_edited(app, "recognition.bpmn", INVESTIGATE, INVESTIGATE.replace(
        "</spiffworkflow:properties>", f"</spiffworkflow:properties><spiffworkflow:preScript>{FAILING_PRESCRIPT}"
                                       "</spiffworkflow:preScript>"))
    application_id = shortlisted(login, world)
    instance = instance_of(application_id)
    state, version = instance.state, instance.lock_version
    torch = login("torch1")
    response = torch.post(f"/applications/{application_id}/objections", {
        "objector_kind": "individual", "objector": "张三", "contact": "13800000000", "reasons": "场地面积不实"},
        from_page=f"/applications/{application_id}")
    page = flashed(torch, response)
    assert FAULT_TEXT in page and "ZeroDivisionError" not in page
    assert db.session.scalar(select(func.count(Objection.id))) == 0  # neither the objection nor its refusal
    after = instance_of(application_id)
    assert (after.state, after.lock_version) == (state, version)

    [fault] = faults()
    assert (fault.instance_id, fault.element_id, fault.trigger, fault.step) == (
        after.id, "investigate_objection", "message", "objection")
    assert fault.expression == FAILING_PRESCRIPT and "ZeroDivisionError" in fault.message
    assert "ZeroDivisionError" in login("supervisor").get(f"/instances/{after.id}").get_data(as_text=True)
    assert "ZeroDivisionError" not in torch.get(f"/instances/{after.id}").get_data(as_text=True)
    assert_applicant_never_sees(login, application_id, "ZeroDivisionError", FAILING_PRESCRIPT)


def test_a_database_error_is_not_recorded_as_a_fault_of_the_procedure(app, login, world, monkeypatch):
    """A locked or lost database is not the diagram's fault: the person is asked to retry, nothing is kept,
    and no fault record (whose message could hold the submitted values) is written."""
    from sqlalchemy.exc import OperationalError

    from webapp.engine.runtime import Runtime

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE process_instance ...", {"recommendation_letter": "同意推荐"}, Exception("locked"))

    monkeypatch.setattr(Runtime, "complete", locked)
    recommender = login("recommender_a")
    response = complete(recommender, task, {"recommender_decision": "recommend", "recommendation_letter": "同意推荐",
                                            "recommender_comments": ""})
    page = flashed(recommender, response)
    assert "暂时无法保存" in page and FAULT_TEXT not in page
    assert faults() == []
    assert db.session.get(HumanTask, task.id).status == "open"
