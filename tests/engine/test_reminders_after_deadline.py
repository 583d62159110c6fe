"""A reminder is for before its deadline. The lifecycle's reminder timers (截止前7天提醒 on the half-year report,
截止前提醒 on the self-assessment, both calling send_reminder) fired whenever the sweeper got to them: with the
clock moved on (a sweeper outage, the demo clock) 请于 2026-12-23（含当日）前提交 arrived on 12-24, and the
self-assessment's 请于 … 前提交 arrived together with the notice that the evaluation was judged 不合格 for the
lapse (found by an outside tester). A reminder whose deadline has passed now sends nothing: the report step
shows itself overdue on the operator's inbox and the space page, and a lapsed self-assessment has its own notice.
A reminder on time still goes, once, and none goes for a step already handed in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Notification, User
from webapp.simulation import Case

from .test_lifecycle_scenarios import REPORT, first_evaluation

REPORT_REMINDER = "半年度报表截止提醒"
ASSESSMENT_REMINDER = "绩效自评截止提醒"


@pytest.fixture
def told(harness):
    """What the space's operator has been told so far (an account of the harness's organisation)."""
    user = User(username="operator", display_name="运营机构", role="applicant", password_hash="x",
                organisation_id=harness.organisation.id)
    db.session.add(user)
    db.session.commit()

    def texts() -> list[str]:
        return list(db.session.scalars(select(Notification.text).where(Notification.user_id == user.id)
                                       .order_by(Notification.id)))
    return texts


def report_opened(harness):
    """A space recognised now, at the moment its first half-year period opens (six months on)."""
    h = harness.recognised_space()
    h.advance(days=185)
    assert "half_year_report" in h.ready()
    return h, datetime.fromisoformat(h.data["report_deadline"])


def test_a_report_reminder_whose_deadline_has_passed_is_not_sent(harness, told):
    h, deadline = report_opened(harness)
    h.advance_to((deadline + timedelta(hours=10)).isoformat())  # one jump over the reminder and the deadline
    assert clock.now() > deadline and "half_year_report" in h.ready()  # still open, late (迟报)
    assert not [t for t in told() if REPORT_REMINDER in t], told()


def test_a_report_reminder_on_time_is_sent_once_and_none_after_the_report(harness, told):
    h, deadline = report_opened(harness)
    h.advance_to((deadline - timedelta(days=6)).isoformat())  # the reminder fell due a day ago
    reminders = [t for t in told() if REPORT_REMINDER in t]
    assert len(reminders) == 1 and "请于" in reminders[0], told()
    h.advance_to((deadline + timedelta(days=1)).isoformat())
    assert len([t for t in told() if REPORT_REMINDER in t]) == 1

    # the next period: handed in before its reminder, so nothing reminds of it
    h.advance(days=150)
    assert "half_year_report" in h.ready()
    h.complete("half_year_report", **REPORT)
    h.advance(days=40)
    assert len([t for t in told() if REPORT_REMINDER in t]) == 1, told()


def test_a_self_assessment_reminder_does_not_come_with_the_notice_that_it_lapsed(harness, told):
    h = first_evaluation(harness)  # the self-assessment has just opened, in the evaluation's own case
    evaluation = Case(h.task("self_assessment").instance_id)
    deadline = datetime.fromisoformat(evaluation.data["self_assessment_deadline"])
    h.advance_to((deadline + timedelta(hours=1)).isoformat())
    texts = told()
    assert [t for t in texts if "视为不合格" in t], texts  # the lapse is told
    assert not [t for t in texts if ASSESSMENT_REMINDER in t], texts
