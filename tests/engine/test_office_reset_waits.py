"""What SpiffWorkflow 3.2's rewind (`reset_from_task_id`, used by 退回 and 撤回 in webapp/engine/office.py)
leaves behind: the tasks after the step leave the tree, but a task that was waiting stays registered with the
workflow's event manager, and the next `refresh_timers` fails on it ('NoneType' object has no attribute
'data': its parent is gone). Found on an application the eligibility check sent back; here on the diagram as
shipped and on the engine directly."""

from __future__ import annotations

import pytest
from SpiffWorkflow.util.task import TaskState

from tests.engine.test_office_verbs import applicant, complete_as, start  # noqa: F401  (fixture)
from tests.engine.test_recognition_scenarios import eligible_facts
from webapp.engine import office
from webapp.engine.runtime import Runtime, find_task
from webapp.extensions import db
from webapp.models import User

RETURN = {"recommender_decision": "return", "recommender_comments": "运营年限请核实", "recommendation_letter": ""}


def test_a_rewind_past_a_later_round_forgets_its_deadline_timer(harness, applicant):  # noqa: F811
    """Submitted below the thresholds: the check loops back to the form, whose 逾期未提交 timer waits again. A
    rewind to the first submission drops that round; nothing of it may still wait."""
    h = start(harness)
    row = complete_as(h, "submit_application", applicant, **{**eligible_facts(), "operating_years": 0.9})
    assert h.ready() == ["submit_application"]
    wf = Runtime().load(row.instance)
    first = find_task(wf, row.task_guid)
    assert office.why_not_take_back(first) == office.BACK_WITH_YOU  # the verb itself refuses it

    office._reopen(wf, first, {"verb": "withdrawn", "title": "填写并提交申报书", "by": "申报单位甲"})
    Runtime._advance(wf)  # raised AttributeError in refresh_timers

    assert [t.id for t in wf.get_tasks(state=TaskState.READY, manual=True)] == [first.id]
    waiting = [t for t in wf.event_manager.tasks.values()]
    assert [t.task_spec.bpmn_id for t in waiting] == ["submission_lapsed"]
    assert all(wf.get_task_from_id(t.id) is t for t in waiting)  # only the reopened step's own timer


def test_the_recommending_unit_withdraws_its_return(harness, applicant):  # noqa: F811
    """A withdrawal the office allows: the return opened the form with its timer; taking the return back
    drops both, and the case waits on no timer until the form opens again."""
    h = start(harness)
    h.complete("submit_application", **eligible_facts())
    recommender = User(username="rec", display_name="推荐单位甲", role="recommender", password_hash="x")
    db.session.add(recommender)
    db.session.commit()
    returned = complete_as(h, "recommender_review", recommender, **RETURN)
    assert h.ready() == ["submit_application"] and h.instance.next_timer_at is not None

    office.withdraw_step(Runtime(actor=recommender), returned)
    db.session.commit()
    h.refresh()

    assert h.ready() == ["recommender_review"] and h.task("recommender_review").id == returned.id
    assert h.instance.next_timer_at is None
    h.complete("recommender_review", recommender_decision="recommend", recommender_comments="同意",
               recommendation_letter="推荐函")
    assert h.ready() == ["material_review"]


# ---- a withdrawal keeps the step's deadline ------------------------------------------------------------------


def test_a_withdrawn_resubmission_keeps_its_deadline_and_no_old_reason(harness, applicant):  # noqa: F811
    """撤回 runs no `onReturn`: the form reopens due at the round's close, as it was before it was handed in,
    and without the failures of the check that had sent it back before (the diagram clears them once the form
    is handed in)."""
    h = start(harness)
    due = h.task("submit_application").due_at
    h.complete("submit_application", **{**eligible_facts(), "operating_years": 0.9})
    assert h.task_data("submit_application")["eligibility_failures"]  # why it opened the second time
    row = complete_as(h, "submit_application", applicant, **eligible_facts())
    h.advance(days=3)
    office.withdraw_step(Runtime(actor=applicant), row)
    db.session.commit()
    h.refresh()
    assert h.ready() == ["submit_application"] and h.task("submit_application").due_at == due
    assert h.instance.next_timer_at == due
    data = h.task_data("submit_application")
    assert data["eligibility_failures"] == [] and data["submission_due"] == h.data["round_closes_at"]
    h.advance(days=20)
    assert h.ready() == ["submit_application"]  # not lapsed 15 days after the withdrawal


def test_the_verb_refuses_when_the_reopened_step_would_end_at_once(harness, applicant, monkeypatch):  # noqa: F811
    """Whatever the rows say (a step whose deadline is a timer the row does not show), the engine has the last
    word: a reopened step that its passed deadline ends at once is not withdrawn, and nothing is saved."""
    h = start(harness)
    row = complete_as(h, "submit_application", applicant, **eligible_facts())
    h.advance_to(h.data["round_closes_at"])
    h.advance(days=1)  # the round closed yesterday
    assert office.withdrawable(row, applicant) == office.DEADLINE_PASSED
    monkeypatch.setattr(office, "withdrawable", lambda row, user: None)  # the rows cannot tell
    with pytest.raises(office.Refused) as refused:
        office.withdraw_step(Runtime(actor=applicant), row)
    assert refused.value.code == office.DEADLINE_PASSED
    db.session.rollback()
    h.refresh()
    assert h.ready() == ["recommender_review"] and h.outcome is None
