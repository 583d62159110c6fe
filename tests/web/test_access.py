"""No one sees what isn't theirs: every cross-organisation, cross-unit and unassigned attempt is refused."""

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application, Attachment, HumanTask

from .flow import complete, open_task, start_application, submit_application, through_to_shortlist


@pytest.fixture
def submitted(login, world):
    """An application of organisation A (unit 呼和浩特) waiting for its recommender."""
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    return application_id


def test_anonymous_is_sent_to_login(app, login, submitted):
    anonymous = login(None)
    for url in ["/", f"/applications/{submitted}", "/applications", "/spaces", "/instances"]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("outsider", ["applicant_b", "recommender_b", "expert1", "designer"])
def test_outsiders_cannot_open_the_application(login, submitted, outsider):
    response = login(outsider).get(f"/applications/{submitted}")
    assert response.status_code == 403
    assert "青城创客空间" not in login(outsider).get("/applications").get_data(as_text=True)


@pytest.mark.parametrize("insider", ["applicant_a", "recommender_a", "torch1", "approver", "supervisor"])
def test_insiders_can_open_the_application(login, submitted, insider):
    assert login(insider).get(f"/applications/{submitted}").status_code == 200


def test_guessed_ids_are_refused_or_missing(login, submitted):
    attachment = db.session.scalar(select(Attachment).where(Attachment.application_id == submitted))
    other = login("applicant_b")
    assert other.get(f"/attachments/{attachment.id}").status_code == 403
    assert other.get("/attachments/99999").status_code == 404
    assert other.get("/applications/99999").status_code == 404
    assert other.get("/tasks/abc").status_code == 404
    owner = login("applicant_a").get(f"/attachments/{attachment.id}")
    assert owner.status_code == 200 and owner.data.startswith(b"%PDF")


def test_another_units_recommender_cannot_open_or_complete_the_review(login, submitted):
    task = open_task(submitted, "recommender_review")
    intruder = login("recommender_b")
    assert intruder.get(f"/tasks/{task.id}").status_code == 403
    response = intruder.post(f"/tasks/{task.id}", {"recommender_decision": "decline", "recommender_comments": "x"},
                             from_page="/")
    assert response.status_code == 403
    assert open_task(submitted, "recommender_review").status == "open"


def test_applicant_cannot_post_the_recommenders_decision(login, submitted):
    task = open_task(submitted, "recommender_review")
    response = login("applicant_a").post(f"/tasks/{task.id}", {
        "recommender_decision": "recommend", "recommendation_letter": "我推荐我自己"}, from_page="/")
    assert response.status_code == 403
    assert open_task(submitted, "recommender_review").id == task.id


def test_experts_see_only_their_own_review_and_never_a_conflicted_case(login, world, submitted):
    complete(login("recommender_a"), open_task(submitted, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""})
    complete(login("torch1"), open_task(submitted, "material_review"), {"material_decision": "complete"})
    organise = open_task(submitted, "organise_review")
    page = login("torch1").get(f"/tasks/{organise.id}").get_data(as_text=True)
    conflict = world["users"]["expert_conflict"]
    assert f'value="{conflict.id}"' not in page  # never offered ...
    assert "应予回避" in page and conflict.display_name in page  # ... and the page says so, and why
    # forging the conflicted expert into the panel is refused by validation
    response = login("torch1").post(f"/tasks/{organise.id}", {"panel_experts": [
        str(conflict.id), str(world["users"]["expert1"].id), str(world["users"]["expert2"].id)]})
    assert response.status_code == 422
    complete(login("torch1"), organise, {"panel_experts": [
        str(world["users"][n].id) for n in ("expert1", "expert2", "expert3")]})
    mine = open_task(submitted, "expert_review", world["users"]["expert1"].id)
    theirs = open_task(submitted, "expert_review", world["users"]["expert2"].id)
    assert login("expert1").get(f"/tasks/{mine.id}").status_code == 200
    assert login("expert1").get(f"/tasks/{theirs.id}").status_code == 403
    assert login("expert4").get(f"/applications/{submitted}").status_code == 403  # not on the panel
    assert login("expert_conflict").get(f"/applications/{submitted}").status_code == 403
    inbox = login("expert1").get("/").get_data(as_text=True)
    assert inbox.count("专家独立评分") == 1


def test_supervisor_reads_everything_and_changes_nothing(login, world, submitted):
    supervisor = login("supervisor")
    application = db.session.get(Application, submitted)
    assert supervisor.get(f"/instances/{application.instance_id}").status_code == 200
    assert "推荐单位审核" in supervisor.get("/instances").get_data(as_text=True)
    task = open_task(submitted, "recommender_review")
    assert supervisor.get(f"/tasks/{task.id}").status_code == 403
    assert supervisor.post(f"/tasks/{task.id}/claim", {}, from_page="/").status_code == 403
    assert supervisor.post("/applications/new", {"space_name": "x"}, from_page="/").status_code == 403


def test_group_task_claimed_by_a_colleague_cannot_be_completed(login, world, submitted):
    complete(login("recommender_a"), open_task(submitted, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""})
    task = open_task(submitted, "material_review")
    assert login("torch1").post(f"/tasks/{task.id}/claim", {}, from_page="/").status_code == 302
    response = login("torch2").post(f"/tasks/{task.id}", {"material_decision": "complete"}, from_page="/")
    assert response.status_code == 302  # refused with a message, back to the inbox
    assert open_task(submitted, "material_review").status == "open"
    login("torch1").post(f"/tasks/{task.id}/release", {}, from_page="/")
    complete(login("torch2"), open_task(submitted, "material_review"), {"material_decision": "complete"})
    assert open_task(submitted, "organise_review")


def test_only_torch_center_records_objections(login, world, submitted):
    for who in ("applicant_a", "recommender_a", "approver", "supervisor"):
        response = login(who).post(f"/applications/{submitted}/objections", {
            "objector_kind": "individual", "objector": "x", "contact": "y", "reasons": "z"}, from_page="/")
        assert response.status_code == 403


def test_approver_sees_panel_and_ranking(login, world, submitted):
    through_to_shortlist(login, world, submitted)
    task = open_task(submitted, "shortlist_decision")
    page = login("approver").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="ranking"' in page and "80.00" in page
    assert db.session.scalar(select(HumanTask).where(HumanTask.task_spec == "shortlist_decision")).lane == "approver"
