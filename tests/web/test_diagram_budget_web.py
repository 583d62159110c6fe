"""A diagram that loops forever no longer holds a worker (issue 9, item 3, acceptance).

The probe's `while True: pass` behind a user task kept the request at full CPU with no end (the deploy refuses
that one now; a loop it cannot tell is endless is used here). Now completing
the task returns within the time budget (MAKERSPACE_DIAGRAM_TIME_BUDGET_SECONDS, 1 s by default) with the
Chinese message that the procedure has a fault and nothing was saved; the step is still open, the case as it
was, with no audit event; the fault names the element and says the time budget was exceeded; and the same
worker serves the next request at once."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from webapp.engine.budget import limits
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask, ProcessFault, ProcessInstance

from .flow import complete, open_task, start_application, submit_application

FAULT_TEXT = "流程定义在此环节有错误"
# The end of the recommending unit's post-script (the deadline of a return), and the same with a loop after it.
POST_SCRIPT = 'submission_due = max(day_end(round_closes_at), day_end(add_duration(now_iso(), "P15D")))'
CLOSING = "</spiffworkflow:postScript>"
LOOPING = POST_SCRIPT + "\nwhile recommender_decision:\n    pass" + CLOSING


def test_a_looping_script_fails_within_its_budget_and_the_next_request_is_served(app, login, world):
    seconds, _size = limits()
    assert seconds == 1.0  # the default the README gives
    files = read_directory(app.config["BPMN_DIR"])
    assert files["recognition.bpmn"].count(POST_SCRIPT + CLOSING) == 1
    assert deploy({**files, "recognition.bpmn": files["recognition.bpmn"].replace(POST_SCRIPT + CLOSING, LOOPING)},
                  note="a designer's endless loop").version == 2
    db.session.commit()
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    instance = db.session.get(ProcessInstance, db.session.get(Application, application_id).instance_id)
    state, version = instance.state, instance.lock_version
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.instance_id == instance.id))

    recommender = login("recommender_a")
    started = time.monotonic()
    response = complete(recommender, task, {"recommender_decision": "recommend",
                                            "recommendation_letter": "同意推荐", "recommender_comments": ""})
    elapsed = time.monotonic() - started
    assert elapsed < seconds + 2.0, elapsed  # the budget, and the request's own work around it
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")  # back on the same step

    started = time.monotonic()
    page = recommender.get(response.headers["Location"])  # the next request, served at once
    assert page.status_code == 200 and time.monotonic() - started < 1.0
    html = page.get_data(as_text=True)
    assert FAULT_TEXT in html and "未保存" in html
    for leak in ("budget", "DiagramBudgetExceeded", "while recommender_decision", "recommender_review"):
        assert leak not in html

    # Nothing saved: the step is still open; the engine state, version and history are as they were.
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "open"
    instance = db.session.get(ProcessInstance, instance.id)
    assert (instance.state, instance.lock_version) == (state, version)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.instance_id == instance.id)) == events
    assert db.session.get(Application, application_id).status == "in_review"

    # The fault names the element and the budget, for the designers and supervisors.
    [fault] = db.session.scalars(select(ProcessFault)).all()
    assert (fault.instance_id, fault.element_id, fault.element_name) == (instance.id, "recommender_review", "推荐单位审核")
    assert "time budget exceeded" in fault.message and "1 s" in fault.message
    script = files["recognition.bpmn"].split(POST_SCRIPT + CLOSING)[0].rsplit("<spiffworkflow:postScript>", 1)[1]
    loop_line = script.count("\n") + 2  # the script's lines up to the anchor, the anchor's line, then the loop
    assert (fault.expression, fault.line_number) == ("while recommender_decision:", loop_line)  # the loop stopped
    case_page = login("designer").get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "推荐单位审核" in case_page and "time budget exceeded" in case_page

    # And the worker goes on serving: another person's page, and the same step again (failing the same way).
    assert login("applicant_a").get(f"/applications/{application_id}").status_code == 200
    started = time.monotonic()
    complete(recommender, open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    assert time.monotonic() - started < seconds + 2.0
    db.session.expire_all()
    assert db.session.scalars(select(ProcessFault)).one().occurrences == 2
