"""撤回 of a step the case has already come back to, and of a step followed by a waiting deadline (found by an
outside tester walking the demo). An application the automatic eligibility check sends back is in the applicant's
own inbox again: 我的待办 listed its submission under 您已提交、对方尚未办理的事项 with a 撤回 button, and the
button ended in 流程定义在此环节有错误 — SpiffWorkflow's rewind left the dropped step's 逾期未提交 timer waiting
with no parent. Now such a step is not offered, posting the withdrawal anyway is refused in words, and a
withdrawal that is allowed (a recommending unit taking back its return, whose next step has that timer) works."""

from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, ProcessFault

from .flow import complete, open_task, start_application, submit_application
from .test_office_verbs import RECOMMEND, flashed, post

BACK_WITH_YOU = "该环节已回到您这里（未通过审查或被退回），没有其他人在办理，无需撤回。请在待办中打开它，修改后重新提交。"
FAULT = "流程定义在此环节有错误"
RETURN = {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "运营年限请核实"}


def faults() -> list[ProcessFault]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProcessFault)))


def withdrawals(instance_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == "step_withdrawn")))


def test_an_application_the_eligibility_check_sent_back_offers_no_withdrawal(login, world):
    application_id = start_application(login("applicant_a"))
    submitted = open_task(application_id, "submit_application")
    submit_application(login, application_id, operating_years="0.9")
    reopened = open_task(application_id, "submit_application")  # back in the applicant's own inbox
    applicant = login("applicant_a")
    inbox = applicant.get("/").get_data(as_text=True)
    assert f'href="/tasks/{reopened.id}"' in inbox
    assert 'id="withdrawable"' not in inbox and "对方尚未办理" not in inbox

    response = post(applicant, f"/tasks/{submitted.id}/withdraw")
    page = flashed(applicant, response)
    assert BACK_WITH_YOU in page and FAULT not in page
    assert faults() == []
    # nothing moved: the returned step is still open with its reason
    assert open_task(application_id, "submit_application").id == reopened.id
    assert withdrawals(reopened.instance_id) == []
    task_page = applicant.get(f"/tasks/{reopened.id}").get_data(as_text=True)
    assert "申报未通过资格审查：运营时间须在1年以上" in task_page


def test_the_recommending_unit_takes_back_its_return_without_a_fault(login, world):
    """The return opened the application form again with its 逾期未提交 deadline; taking the return back drops
    that step and its timer, and the recommending unit's review is open again."""
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    review = open_task(application_id, "recommender_review")
    complete(login("recommender_a"), review, RETURN)
    returned = open_task(application_id, "submit_application")
    recommender = login("recommender_a")
    assert f'action="/tasks/{review.id}/withdraw"' in recommender.get("/").get_data(as_text=True)

    response = post(recommender, f"/tasks/{review.id}/withdraw")
    page = flashed(recommender, response)
    assert FAULT not in page and "您已撤回“推荐单位审核”" in page
    assert faults() == []
    assert open_task(application_id, "recommender_review").id == review.id
    assert db.session.get(HumanTask, returned.id).status == "cancelled"
    assert len(withdrawals(review.instance_id)) == 1
    # and on as usual
    complete(login("recommender_a"), open_task(application_id, "recommender_review"), RECOMMEND)
    assert open_task(application_id, "material_review")
