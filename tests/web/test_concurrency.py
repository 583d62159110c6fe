"""Two people completing the same task at the same moment: exactly one wins, the state stays consistent."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from webapp.engine.runtime import Runtime, TaskUnavailable
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, ProcessInstance, User

from .flow import complete, open_task, start_application, submit_application


def test_form_posted_twice_advances_once(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    decision = {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""}
    recommender = login("recommender_a")
    token = recommender.token(f"/tasks/{task.id}")
    first = recommender.post(f"/tasks/{task.id}", {**decision, "csrf_token": token}, csrf=False)
    second = recommender.post(f"/tasks/{task.id}", {**decision, "csrf_token": token}, csrf=False)
    assert first.status_code == second.status_code == 302
    followed = recommender.get(second.headers["Location"]).get_data(as_text=True)
    # told in Chinese who handled it and that the second submission was not saved
    assert "此环节已由" in followed and "办理完毕" in followed and "未保存" in followed, followed
    rows = db.session.scalars(select(HumanTask).where(HumanTask.task_spec == "material_review")).all()
    assert len(rows) == 1
    completions = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.task_spec == "recommender_review", AuditEvent.action == "completed"))
    assert completions == 1


def test_simultaneous_completion_one_wins(file_app):
    from webapp.simulation import Harness

    with file_app.app_context():
        harness = Harness()
        case = harness("recognition")
        task_id = case.task("submit_application").id
        torch = [User(username=f"t{n}", display_name=f"t{n}", role="applicant", password_hash="x",
                      organisation_id=harness.organisation.id) for n in (1, 2)]
        db.session.add_all(torch)
        db.session.commit()
        user_ids = [u.id for u in torch]
        instance_id = case.instance_id
        from tests.engine.test_recognition_scenarios import eligible_facts

        facts = eligible_facts()

    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker(user_id):
        with file_app.app_context():
            task = db.session.get(HumanTask, task_id)
            user = db.session.get(User, user_id)
            _ = task.instance.state  # both have read the same version before either writes
            barrier.wait()
            try:
                Runtime(actor=user).complete(task, dict(facts))
                db.session.commit()
                results.append("ok")
            except (StaleDataError, TaskUnavailable):
                db.session.rollback()
                results.append("lost")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["lost", "ok"]
    with file_app.app_context():
        db.session.get(ProcessInstance, instance_id)
        open_rows = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.status == "open")).all()
        assert [r.task_spec for r in open_rows] == ["recommender_review"]
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "completed", AuditEvent.instance_id == instance_id)) == 1


def test_service_refuses_a_task_completed_meanwhile(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    complete(login("recommender_a"), task, {"recommender_decision": "decline", "recommender_comments": "不推荐"})
    db.session.expire_all()
    with pytest.raises(TaskUnavailable):
        Runtime().complete(db.session.get(HumanTask, task.id), {"recommender_decision": "recommend"})
