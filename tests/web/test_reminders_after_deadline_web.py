"""The inbox reminders (a step's `remindBefore`, sent by the sweeper's send_due_reminders) after a deadline has
passed — the clock moved on, as the outside tester moved the demo clock, or as after a sweeper outage. A reminder
never says a passed deadline is still to come: a step still open past its deadline still waits on its people, so
they are told it is overdue (已于 … 到期，已逾期); a step handed in is reminded of by nobody; and a reminder waits
while its case has a timer due that has not fired yet (another sweeper firing it, or this one not yet), since
that timer may close the step or end the case. (The lifecycle's own reminder timers:
tests/engine/test_reminders_after_deadline.py.)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import HumanTask, Notification, ProcessInstance
from webapp.notifications import send_due_reminders

from .flow import move_clock, user
from .lifecycle import inbox_task, submit
from .test_change_filing_values import ACCEPT, FORWARD, evidence, start_filing

AREA = {"change_type": "area", "change_description": "租用相邻楼层，场地扩大", "new_total_area_m2": "1600"}


def reminders_of(world, name: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification.text).where(
        Notification.user_id == user(world, name).id, Notification.text.startswith("办理提醒"))
        .order_by(Notification.id)))


def handed_in(login, space_id: int) -> None:
    operator = login("applicant_a")
    submit(operator, start_filing(operator, space_id), {**AREA, **evidence()})


def test_a_reminder_sent_after_the_deadline_says_it_has_passed_never_that_it_is_to_come(login, world, space_id):
    handed_in(login, space_id)  # 推荐单位审核转报: due in 15 days, reminded 3 days before
    move_clock(days=20)  # one jump over the reminder and the deadline
    [reminder] = reminders_of(world, "recommender_a")
    assert FORWARD in reminder and "已逾期" in reminder and "将于" not in reminder, reminder


def test_a_step_handed_in_before_its_reminder_is_not_reminded_of(login, world, space_id):
    handed_in(login, space_id)
    unit = login("recommender_a")
    submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "forward", "forward_comments": ""})
    move_clock(days=13)  # the unit's reminder would have fallen due a day ago; the Department's is still to come
    assert reminders_of(world, "recommender_a") == []
    move_clock(days=1)  # the Department's step (科技厅备案确认) opened with the forward: reminded, still to come
    [reminder] = reminders_of(world, "approver")
    assert ACCEPT in reminder and "将于" in reminder, reminder


def test_a_reminder_waits_while_its_case_has_a_timer_still_to_fire(login, world, space_id):
    handed_in(login, space_id)
    clock.advance(timedelta(days=13))  # the reminder is due, and no sweeper has run yet
    step = db.session.scalar(select(HumanTask).where(HumanTask.title == FORWARD, HumanTask.status == "open"))
    case = db.session.get(ProcessInstance, step.instance_id)
    case.next_timer_at = clock.now() - timedelta(minutes=1)  # a timer of the case is due: another sweeper holds it
    db.session.commit()
    assert send_due_reminders(clock.now()) == 0
    assert reminders_of(world, "recommender_a") == [] and db.session.get(HumanTask, step.id).remind_at is not None

    case.next_timer_at = None  # fired: the step is still open, so its reminder goes now
    db.session.commit()
    assert send_due_reminders(clock.now()) == 1
    [reminder] = reminders_of(world, "recommender_a")
    assert FORWARD in reminder and "将于" in reminder
