"""The recognition procedure walked through the web routes by every role."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application, Attachment, AuditEvent, MakerSpace, Notification, PublicNotice

from .flow import (
    complete,
    move_clock,
    open_task,
    recognise,
    shortlisted,
    start_application,
    submit_application,
)


def test_full_path_to_recognition(login, world):
    application_id = start_application(login("applicant_a"))
    recognise(login, world, application_id)
    application = db.session.get(Application, application_id)
    assert application.status == "recognised"
    space = db.session.scalar(select(MakerSpace).where(MakerSpace.application_id == application_id))
    assert space.certificate_no.startswith("NMZC-2026-")
    assert float(application.panel_score) == 80.0
    assert len(db.session.scalars(select(Attachment).where(Attachment.application_id == application_id)).all()) == 6
    # the applicant was told, and the registry shows the space
    texts = [n.text for n in db.session.scalars(select(Notification).where(
        Notification.user_id == world["users"]["applicant_a"].id))]
    assert any("已认定" in t for t in texts)
    assert "青城创客空间" in login("applicant_a").get("/spaces").get_data(as_text=True)
    # every action left an audit event
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == application.instance_id))]
    assert actions.count("completed") >= 10 and "timer" in actions


def test_inbox_shows_each_role_its_work(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    assert "推荐单位审核" in login("recommender_a").get("/").get_data(as_text=True)
    assert "推荐单位审核" not in login("recommender_b").get("/").get_data(as_text=True)
    assert "推荐单位审核" not in login("torch1").get("/").get_data(as_text=True)


def test_ineligible_application_returns_with_every_failed_condition(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id, controlled_area_m2="499.99", total_area_m2="499.99",
                       public_area_m2="200", management_staff="2")
    task = open_task(application_id, "submit_application")
    page = login("applicant_a").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "500" in page and "3" in page and "50%" in page
    assert page.count('class="returned"') >= 1


def test_returned_by_recommender_shows_comments_and_resubmits(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommender_comments": "请补充导师聘书", "recommendation_letter": ""})
    task = open_task(application_id, "submit_application")
    page = login("applicant_a").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "请补充导师聘书" in page
    # attachments already uploaded need not be uploaded again
    from .flow import application_fields

    complete(login("applicant_a"), task, application_fields())
    assert open_task(application_id, "recommender_review")


def test_declined_ends_the_case(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "decline", "recommender_comments": "不符合本地产业方向", "recommendation_letter": ""})
    assert db.session.get(Application, application_id).status == "declined"
    assert "Nothing is waiting" in login("applicant_a").get("/").get_data(as_text=True) or \
        "没有待办" in login("applicant_a").get("/").get_data(as_text=True)


def test_objection_recorded_by_torch_center_then_upheld(login, world):
    application_id = shortlisted(login, world)
    assert db.session.scalar(select(PublicNotice).where(PublicNotice.subject_id == application_id))
    response = login("torch1").post(f"/applications/{application_id}/objections", {
        "objector_kind": "individual", "objector": "张三", "contact": "13800000000", "reasons": "场地面积不实"},
        from_page=f"/applications/{application_id}")
    assert response.status_code == 302
    complete(login("torch1"), open_task(application_id, "investigate_objection"), {"objection_findings": "核实属实"})
    complete(login("approver"), open_task(application_id, "decide_objection"),
             {"objection_upheld": "yes", "objection_answer": "异议成立"})
    assert db.session.get(Application, application_id).status == "objection_upheld"
    move_clock(days=30)
    assert db.session.scalar(select(MakerSpace)) is None


def test_objection_outside_notice_period_is_refused(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    response = login("torch1").post(f"/applications/{application_id}/objections", {
        "objector_kind": "individual", "objector": "张三", "contact": "138", "reasons": "x"},
        from_page=f"/applications/{application_id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert open_task(application_id, "recommender_review")  # nothing moved
