"""Bad input gets a clear refusal and changes nothing."""

import io

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Attachment, AuditEvent, HumanTask

from .flow import application_fields, open_task, start_application, with_files


def _state(application_id):
    return (
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.scalar(select(func.count(Attachment.id))),
        [(t.task_spec, t.status) for t in db.session.scalars(select(HumanTask).order_by(HumanTask.id))],
    )


def test_missing_fields_are_named_and_nothing_moves(login, world):
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    before = _state(application_id)
    fields = with_files(application_fields())
    del fields["operating_years"]
    fields["business_model"] = ""
    response = login("applicant_a").post(f"/tasks/{task.id}", fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="error"') >= 2
    assert _state(application_id) == before


def test_out_of_range_numbers_are_refused(login, world):
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    before = _state(application_id)
    for bad in ({"management_staff": "-1"}, {"operating_years": "abc"}, {"public_area_m2": "900"},
                {"free_service_months": "1.5"}):
        response = login("applicant_a").post(f"/tasks/{task.id}", with_files(application_fields(**bad)))
        assert response.status_code == 422, bad
    assert _state(application_id) == before


def test_wrong_type_and_oversized_uploads_are_refused(app, login, world):
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    before = _state(application_id)
    fields = with_files(application_fields())
    fields["file_rules"] = (io.BytesIO(b"#!/bin/sh\nrm -rf /"), "rules.sh")
    response = login("applicant_a").post(f"/tasks/{task.id}", fields)
    assert response.status_code == 422 and "pdf" in response.get_data(as_text=True)
    app.config["UPLOAD_MAX_BYTES"] = 1024
    response = login("applicant_a").post(f"/tasks/{task.id}", with_files(application_fields()))
    assert response.status_code == 422
    assert _state(application_id) == before


def test_missing_required_attachment_is_named(login, world):
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    fields = with_files(application_fields())
    del fields["file_premises"]
    response = login("applicant_a").post(f"/tasks/{task.id}", fields)
    assert response.status_code == 422


def test_missing_csrf_token_is_refused(login, world):
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    before = _state(application_id)
    response = login("applicant_a").post(f"/tasks/{task.id}", with_files(application_fields()), csrf=False)
    assert response.status_code == 400
    assert _state(application_id) == before


def test_recommend_without_letter_and_return_without_reasons(login, world):
    from .flow import submit_application

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    recommender = login("recommender_a")
    assert recommender.post(f"/tasks/{task.id}", {"recommender_decision": "recommend"}).status_code == 422
    assert recommender.post(f"/tasks/{task.id}", {"recommender_decision": "return"}).status_code == 422
    assert recommender.post(f"/tasks/{task.id}", {"recommender_decision": "sideways"}).status_code == 422
    assert open_task(application_id, "recommender_review").id == task.id
