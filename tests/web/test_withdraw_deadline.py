"""What a withdrawal (撤回) and a return (退回) do to the applicant's deadline (found by an outside tester walking
the demo). The round (批次) accepts applications until it closes (第八条); withdrawing one's own submission
cut that to 15 days from the withdrawal — the form's 逾期未提交 timer, which ends the application, was set to
that day — and the step repeated an eligibility failure the resubmitted form no longer had. Now:

- a voluntary withdrawal keeps the deadline the step had (the round's close), says only that it was withdrawn,
  and is refused once that deadline has passed (taken back then, it could never be handed in again);
- a return by the recommending unit or the Torch Center gives the later of the round's close and 15 days
  (至少 15 天，且不早于批次截止): a return must neither cut an open round short nor leave less than 15 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask

from .flow import complete, move_clock, open_task, start_application, submit_application
from .test_office_verbs import RECOMMEND, flashed, post

ROUND_CLOSE = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # the end of the test round's last day, 2026-12-31
STALE = "申报未通过资格审查"
TOO_LATE = "该环节的办理期限已过，已不能撤回：撤回后将无法再按期提交。您已提交的内容仍然有效。"


def submission(application_id: int) -> HumanTask:
    """The application form's newest row (open or handed in)."""
    db.session.expire_all()
    instance_id = db.session.get(Application, application_id).instance_id
    return db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.task_spec == "submit_application")
        .order_by(HumanTask.id.desc())).first()


def case_of(application_id: int):
    db.session.expire_all()
    return db.session.get(Application, application_id).instance


def test_a_withdrawn_resubmission_keeps_the_rounds_close_and_no_stale_reason(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id, operating_years="0.9")  # sent back by the check
    submit_application(login, application_id)  # corrected: passes, waits on the recommending unit
    handed_in = submission(application_id)
    applicant = login("applicant_a")
    assert f'action="/tasks/{handed_in.id}/withdraw"' in applicant.get("/").get_data(as_text=True)
    move_clock(days=3)

    response = post(applicant, f"/tasks/{handed_in.id}/withdraw")
    assert "您已撤回“填写并提交申报书”" in flashed(applicant, response)
    reopened = open_task(application_id, "submit_application")
    assert reopened.id == handed_in.id
    assert reopened.due_at == ROUND_CLOSE  # not 15 days from the withdrawal
    assert case_of(application_id).next_timer_at == ROUND_CLOSE  # 逾期未提交 waits for the round's close
    page = applicant.get(f"/tasks/{reopened.id}").get_data(as_text=True)
    assert "撤回了已提交的「填写并提交申报书」" in page and "2026-12-31（还剩" in page
    assert STALE not in page
    # 15 days later it is still open: the application is not ended two weeks before the round closes
    move_clock(days=16)
    assert open_task(application_id, "submit_application").id == reopened.id
    assert db.session.get(Application, application_id).status == "draft"


def test_a_first_submission_withdrawn_keeps_the_rounds_close(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    handed_in = submission(application_id)
    post(login("applicant_a"), f"/tasks/{handed_in.id}/withdraw")
    assert open_task(application_id, "submit_application").due_at == ROUND_CLOSE


def test_no_withdrawal_once_the_deadline_has_passed(login, world):
    """Handed in on the round's last day; the next day the round has closed: taken back, the form could never
    be handed in again and the application would end, so the inbox offers nothing and the verb refuses."""
    application_id = start_application(login("applicant_a"))
    clock.freeze(ROUND_CLOSE - timedelta(hours=2))  # 2026-12-31 22:00 China time
    submit_application(login, application_id)
    handed_in = submission(application_id)
    applicant = login("applicant_a")
    assert f'action="/tasks/{handed_in.id}/withdraw"' in applicant.get("/").get_data(as_text=True)
    move_clock(days=1)

    assert f'action="/tasks/{handed_in.id}/withdraw"' not in applicant.get("/").get_data(as_text=True)
    response = post(applicant, f"/tasks/{handed_in.id}/withdraw")
    assert TOO_LATE in flashed(applicant, response)
    assert open_task(application_id, "recommender_review")
    assert db.session.get(Application, application_id).status == "in_review"
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "step_withdrawn")).all()


def test_a_return_early_in_the_round_leaves_the_rounds_close(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "运营年限请核实"})
    returned = open_task(application_id, "submit_application")
    assert returned.due_at == ROUND_CLOSE  # not 2026-03-17
    page = login("applicant_a").get(f"/tasks/{returned.id}").get_data(as_text=True)
    assert "申报被推荐单位退回修改：运营年限请核实。请在 2026-12-31（含当日）前修改后重新提交" in page
    # the Torch Center's return too
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"), RECOMMEND)
    review = open_task(application_id, "material_review")
    post(login("torch1"), f"/tasks/{review.id}/return", {"target": "submit_application", "reason": "缺少租赁合同"},
         page=f"/tasks/{review.id}")
    assert open_task(application_id, "submit_application").due_at == ROUND_CLOSE


def test_a_return_late_in_the_round_gives_fifteen_days(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    clock.freeze(datetime(2026, 12, 24, 2, 0, tzinfo=UTC))  # 2026-12-24 10:00 China time, a week left
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "运营年限请核实"})
    returned = open_task(application_id, "submit_application")
    assert returned.due_at == datetime(2027, 1, 8, 16, 0, tzinfo=UTC)  # through 2027-01-08
    page = login("applicant_a").get(f"/tasks/{returned.id}").get_data(as_text=True)
    assert "请在 2027-01-08（含当日）前修改后重新提交" in page
