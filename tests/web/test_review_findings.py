"""Behaviour pinned down after the code review: what people may learn, late objections, claims."""

from datetime import timedelta

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Application, Objection

from .flow import complete, open_task, shortlisted, start_application, submit_application


def test_applicant_does_not_learn_who_the_experts_or_objectors_are(login, world):
    application_id = shortlisted(login, world)
    login("torch1").post(f"/applications/{application_id}/objections", {
        "objector_kind": "individual", "objector": "王五", "contact": "13900000000", "reasons": "面积不实"},
        from_page=f"/applications/{application_id}")
    page = login("applicant_a").get(f"/applications/{application_id}").get_data(as_text=True)
    for expert in ("expert1", "expert2", "expert3"):
        assert expert not in page  # display names of the panel
    assert "评审专家" in page  # the role is shown instead
    assert "王五" not in page and "13900000000" not in page
    staff_page = login("torch2").get(f"/applications/{application_id}").get_data(as_text=True)
    assert "expert1" in staff_page and "王五" in staff_page


def test_an_objection_after_the_notice_ended_is_refused_and_recorded(login, world):
    application_id = shortlisted(login, world)
    clock.advance(timedelta(days=20))  # the notice ended; the sweeper has not run yet
    response = login("torch1").post(f"/applications/{application_id}/objections", {
        "objector_kind": "unit", "objector": "某单位", "contact": "0471-0000000", "reasons": "迟到的异议"},
        from_page=f"/applications/{application_id}")
    assert response.status_code == 302
    objection = db.session.scalar(select(Objection).where(Objection.application_id == application_id))
    assert objection.refused_reason and objection.reasons == "迟到的异议"
    from tasks.sweep import sweep_once

    sweep_once()
    db.session.expire_all()
    assert db.session.get(Application, application_id).status == "recognised"


def test_only_group_tasks_can_be_claimed(login, world):
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    assert login("applicant_a").post(f"/tasks/{task.id}/claim", {}, from_page="/").status_code == 403
    assert open_task(application_id, "submit_application").claimed_by_id is None


def test_instructions_are_escaped_once(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommender_comments": "R&D 证明不足", "recommendation_letter": ""})
    page = login("applicant_a").get(f"/tasks/{open_task(application_id, 'submit_application').id}").get_data(as_text=True)
    assert "R&amp;D 证明不足" in page and "&amp;amp;" not in page
