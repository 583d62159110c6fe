"""The applicant's view of its own application (found walking the demo as an applicant): an application sent
back to its applicant says so — who sent it back (the role), until when it must be handed in again, and why —
on the list and on its page, instead of 审核中."""

from __future__ import annotations

from webapp.engine.sandbox import deadline_day

from .applicant_view import RETURN_REASON, list_row, page_status, returned_by_recommender, section
from .flow import complete, open_task, start_application, submit_application


def test_a_return_by_the_recommender_shows_on_the_applicants_list_and_page(login, world):
    application_id = returned_by_recommender(login)
    task = open_task(application_id, "submit_application")
    due = deadline_day(task.due_at)
    applicant = login("applicant_a")

    row = list_row(applicant, application_id)
    assert "审核中" not in row
    assert "退回修改" in row and "推荐单位" in row and due in row and RETURN_REASON in row

    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    assert page_status(page) == "退回修改"
    box = section(page, "sent-back")
    assert "推荐单位" in box and RETURN_REASON in box
    # the day to resubmit by, as deadlines are worded elsewhere: the round's close, since a return early in the
    # round leaves the applicant the rest of it (the later of the close and 15 days)
    assert due == "2026-12-31" and f"{due}（还剩 304 天）" in box
    assert f'href="/tasks/{task.id}"' in box  # where to make the changes

    # The recommending unit, whose list shows the same, sees it waiting on the applicant too.
    assert "退回修改" in list_row(login("recommender_a"), application_id)

    submit_application(login, application_id)  # resubmitted: under review again
    row = list_row(applicant, application_id)
    assert "审核中" in row and "退回修改" not in row and RETURN_REASON not in row
    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    assert page_status(page) == "审核中" and 'id="sent-back"' not in page


def test_a_request_to_supplement_and_a_return_by_the_torch_center_name_the_torch_center(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "supplement", "material_comments": "租赁合同缺少盖章页"})
    task = open_task(application_id, "supplement_materials")
    applicant = login("applicant_a")
    row = list_row(applicant, application_id)
    assert "补充材料" in row and "火炬中心" in row and "租赁合同缺少盖章页" in row and deadline_day(task.due_at) in row
    assert "审核中" not in row

    complete(applicant, task, {"supplement_note": "已补充盖章页"})
    material = open_task(application_id, "material_review")
    torch = login("torch1")
    # the Torch Center reads what the applicant says it supplemented (only supervisors could, in the audit)
    review = torch.get(f"/tasks/{material.id}").get_data(as_text=True)
    assert "申报单位的补充说明" in review and "已补充盖章页" in review
    response = torch.post(f"/tasks/{material.id}/return", {"target": "submit_application", "reason": "场地面积与合同不符"},
                          from_page=f"/tasks/{material.id}")
    assert response.status_code == 302
    task = open_task(application_id, "submit_application")
    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    assert page_status(page) == "退回修改"
    box = section(page, "sent-back")
    assert "火炬中心" in box and "场地面积与合同不符" in box and deadline_day(task.due_at) in box
    assert "torch1" not in box  # the role, not the person


def test_the_list_of_applications_reads_no_case_and_costs_the_same_for_one_or_three_returns(login, world, monkeypatch):
    from webapp.engine import state

    from .test_request_budget import counted

    def listed() -> tuple[int, str]:
        applicant = login("applicant_a")
        with counted() as statements:
            html = applicant.get("/applications").get_data(as_text=True)
        return len(statements), html

    def never(*args, **kwargs):
        raise AssertionError("a list deserialised a case")

    returned_by_recommender(login)
    monkeypatch.setattr(state, "restore", never)
    one, html = listed()
    assert html.count(">退回修改<") == 1
    monkeypatch.undo()
    for reason in ("第二件", "第三件"):
        returned_by_recommender(login, reason)
    monkeypatch.setattr(state, "restore", never)
    three, html = listed()
    assert html.count(">退回修改<") == 3 and "第三件" in html
    assert three == one


def test_an_application_that_fails_the_conditions_says_it_came_back_from_the_check(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id, management_staff="2")  # Art. 6 asks for at least 3
    task = open_task(application_id, "submit_application")
    row = list_row(login("applicant_a"), application_id)
    assert "审核中" not in row and "退回修改" in row and "申报条件自动审查" in row and deadline_day(task.due_at) in row


def test_a_step_the_applicant_took_back_is_not_said_to_have_been_sent_back(login, world):
    """A review of the change: the applicant handed in its supplement, then took it back (撤回); the page said
    申报条件自动审查退回修改 with the conditions' reason, none of which was true."""
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "supplement", "material_comments": "租赁合同缺少盖章页"})
    applicant = login("applicant_a")
    task = open_task(application_id, "supplement_materials")
    complete(applicant, task, {"supplement_note": "已补充盖章页"})
    response = applicant.post(f"/tasks/{task.id}/withdraw", {}, from_page="/")
    assert response.status_code == 302
    assert open_task(application_id, "supplement_materials").id == task.id  # open again, in its hands
    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "申报条件自动审查" not in page and 'id="sent-back"' not in page
    assert "申报条件自动审查" not in list_row(applicant, application_id)
