"""An application sent back to its applicant is in the applicant's hands: the applicant may give it up (撤回)
with the same confirmation as an untouched one (found walking the demo: a returned application's page said
推荐单位或火炬中心已开始办理该申报，已不能撤回。请联系对方退回或不予推荐 although it had been sent back). While it
waits on anybody else — the recommending unit, the Torch Center, or the applicant's supplement to a review
the Torch Center holds open — it cannot be withdrawn, and the page says so truthfully."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Application, HumanTask

from .flow import complete, open_task, start_application, submit_application
from .test_office_verbs import RECOMMEND, audit, flashed, notices, post

NOT_POSSIBLE = "推荐单位或火炬中心已开始办理该申报"


def returned_by_the_recommender(login) -> int:
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "运营年限请核实"})
    return application_id


def application_page(browser, application_id: int) -> str:
    return browser.get(f"/applications/{application_id}").get_data(as_text=True)


def test_an_application_returned_by_the_recommender_may_be_given_up(login, world):
    application_id = returned_by_the_recommender(login)
    applicant = login("applicant_a")
    page = application_page(applicant, application_id)
    assert NOT_POSSIBLE not in page and 'id="withdraw-not-possible"' not in page
    assert 'id="withdraw-application"' in page and "退回" in page.split('id="withdraw-application"')[1][:600]

    # the same confirmation as before: nothing happens without it
    response = post(applicant, f"/applications/{application_id}/withdraw", {"reason": "不再申报"})
    assert "撤回前请先勾选确认" in flashed(applicant, response)
    assert db.session.get(Application, application_id).status == "in_review"

    response = post(applicant, f"/applications/{application_id}/withdraw", {"reason": "不再申报", "confirm": "yes"})
    assert "申报已撤回" in flashed(applicant, response)
    application = db.session.get(Application, application_id)
    assert application.status == "withdrawn" and application.instance.status == "cancelled"
    assert db.session.query(HumanTask).filter_by(instance_id=application.instance_id, status="open").count() == 0
    assert [e.detail for e in audit(application_id, "withdrawn")] == [{"reason": "不再申报"}]
    # the recommending unit that sent it back learns it will not come back
    assert any("撤回" in text and "青城创客空间" in text for text in notices(world, "recommender_a"))


def test_an_application_sent_back_by_the_torch_center_may_be_given_up(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"), RECOMMEND)
    task = open_task(application_id, "material_review")
    torch = login("torch1")
    post(torch, f"/tasks/{task.id}/return", {"target": "submit_application", "reason": "缺少场地租赁合同"},
         page=f"/tasks/{task.id}")
    applicant = login("applicant_a")
    assert 'id="withdraw-application"' in application_page(applicant, application_id)
    post(applicant, f"/applications/{application_id}/withdraw", {"confirm": "yes"})
    assert db.session.get(Application, application_id).status == "withdrawn"
    assert any("撤回" in text for text in notices(world, "torch1"))


def test_once_taken_up_again_or_asked_for_supplements_it_cannot_be_withdrawn_and_the_page_says_why(login, world):
    application_id = returned_by_the_recommender(login)
    submit_application(login, application_id)  # handed in again: the recommending unit holds it
    applicant = login("applicant_a")
    # nobody has taken it up since (a walk of the demo: the page said the unit had started on it, while the
    # inbox offered 撤回 of the submission): it may still be withdrawn
    page = application_page(applicant, application_id)
    assert 'id="withdraw-application"' in page and NOT_POSSIBLE not in page
    complete(login("recommender_a"), open_task(application_id, "recommender_review"), RECOMMEND)  # taken up
    page = application_page(applicant, application_id)
    assert 'id="withdraw-application"' not in page and NOT_POSSIBLE in page
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "supplement", "material_comments": "租赁合同缺少盖章页"})
    # the applicant's step is open, but within the Torch Center's review: not back in its hands
    page = application_page(applicant, application_id)
    assert 'id="withdraw-application"' not in page and NOT_POSSIBLE in page
    response = post(applicant, f"/applications/{application_id}/withdraw", {"confirm": "yes"})
    assert NOT_POSSIBLE in flashed(applicant, response)
    assert db.session.get(Application, application_id).status == "in_review"
