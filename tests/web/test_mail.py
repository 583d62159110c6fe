"""E-mail through a real SMTP server (aiosmtpd on 127.0.0.1): notices become mail when the sweeper drains
the outbox, once each, only when a mail host is configured; reminders before a deadline arrive too."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import compat32
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tasks.sweep import sweep_once
from webapp.clock import clock
from webapp.engine.sandbox import day_end, last_day
from webapp.extensions import db
from webapp.models import HumanTask, Notification

from .flow import move_clock, start_application, submit_application, user
from .lifecycle import FIRST_REPORT, HALF_YEAR, SPACE_NAME, inbox_task, make_recognised_space, move_clock_to

APPLICATION = "青城创客空间"  # the name tests/web/flow.py applies with
REMINDER = "半年度报表截止提醒"


class Collector:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.received = []  # (envelope recipients, raw bytes, parsed message)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        self.received.append((list(envelope.rcpt_tos), raw, message_from_bytes(raw, policy=default_policy)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for rcpt, _, message in self.received if address in rcpt]

    def subjects(self, address: str) -> list[str]:
        return [str(message["Subject"]) for message in self.to(address)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield handler
    finally:
        controller.stop()


def address(world, name: str) -> str:
    return user(world, name).email


def notifications(world, name: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user(world, name).id).order_by(Notification.id)))


def test_new_work_is_mailed_to_the_recommender_once(login, world, smtp):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    # the notice is in the app at once; mail waits for the sweeper (an outbox drained after commits)
    assert any("推荐单位审核" in n.text for n in notifications(world, "recommender_a"))
    assert smtp.received == []

    sweep_once()
    recommender = address(world, "recommender_a")
    [mail] = [m for m in smtp.to(recommender) if "推荐单位审核" in str(m["Subject"])]
    # the Chinese subject travels as an RFC 2047 encoded word and decodes back intact
    raw = next(raw for rcpt, raw, m in smtp.received if recommender in rcpt and m is mail)
    raw_subject = message_from_bytes(raw, policy=compat32)["Subject"]  # as on the wire (unfolded)
    assert raw_subject.isascii() and "=?utf-8?" in raw_subject.lower()
    # the subject names the step and the case; the body says by when
    assert str(mail["Subject"]) == f"【众创空间管理系统】新的待办：「{APPLICATION}」的推荐单位审核"
    assert mail["To"] == recommender and mail["From"] == "noreply@makerspace.local"
    task = db.session.scalar(select(HumanTask).where(HumanTask.task_spec == "recommender_review"))
    body = mail.get_content()
    assert "recommender_a" in body and f"/tasks/{task.id}" in body and "推荐单位审核" in body
    # nobody outside the recommending unit is told about this work
    for name in ("recommender_b", "applicant_b", "torch1", "expert1"):
        assert not any("推荐单位审核" in s for s in smtp.subjects(address(world, name))), name
    # every notice was mailed exactly once
    assert all(n.emailed for n in db.session.scalars(select(Notification)))
    count = len(smtp.received)
    assert count == db.session.query(Notification).count()
    sweep_once()
    sweep_once()
    assert len(smtp.received) == count
    # the in-app notice is still there for the recommender to read
    assert "的推荐单位审核" in login("recommender_a").get("/notifications").get_data(as_text=True)


def test_without_a_mail_host_nothing_is_sent_and_nothing_fails(app, login, world, smtp):
    app.config["MAIL_HOST"] = ""
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    sweep_once()
    assert smtp.received == []
    pending = notifications(world, "recommender_a")
    assert pending and not any(n.emailed for n in pending)
    assert "的推荐单位审核" in login("recommender_a").get("/notifications").get_data(as_text=True)
    # the work itself went on as usual
    assert "推荐单位审核" in login("recommender_a").get("/").get_data(as_text=True)


def test_unreachable_mail_server_keeps_the_outbox_for_later(app, login, world, smtp):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    sweep_once()  # logs a warning, raises nothing
    assert smtp.received == [] and not any(n.emailed for n in notifications(world, "recommender_a"))
    app.config["MAIL_PORT"] = port
    sweep_once()
    assert smtp.subjects(address(world, "recommender_a")) == [f"【众创空间管理系统】新的待办：「{APPLICATION}」的推荐单位审核"]
    assert all(n.emailed for n in notifications(world, "recommender_a"))


def test_reminder_seven_days_before_the_report_deadline(login, world, smtp):
    make_recognised_space(world)
    operator = address(world, "applicant_a")
    move_clock_to(FIRST_REPORT)
    task_id = inbox_task(login("applicant_a"), HALF_YEAR)
    assert smtp.subjects(operator) == [f"【众创空间管理系统】新的待办：「{SPACE_NAME}」的{HALF_YEAR}"]
    opened = db.session.get(HumanTask, task_id).created_at
    # 30 days, to the end of the 30th day (China time); the reminder a week before that
    deadline = datetime.fromisoformat(day_end((opened + timedelta(days=30)).isoformat()))
    reminder_at = deadline - timedelta(days=7)
    last = last_day(deadline.isoformat())

    move_clock(days=(reminder_at - clock.now()).total_seconds() / 86400 - 0.01)  # a quarter hour before
    assert not any(REMINDER in n.text for n in notifications(world, "applicant_a"))
    move_clock(days=0.02)
    assert clock.now() > reminder_at
    [notice] = [n for n in notifications(world, "applicant_a") if REMINDER in n.text]
    assert f"请于 {last}（含当日）前提交" in notice.text and "青城创客空间" in notice.text
    assert notice.emailed
    assert REMINDER in login("applicant_a").get("/notifications").get_data(as_text=True)
    [mail] = [m for m in smtp.to(operator) if REMINDER in str(m["Subject"])]
    assert last in str(mail["Subject"]) and REMINDER in mail.get_content()
    # the report is still open, and the reminder comes once
    assert inbox_task(login("applicant_a"), HALF_YEAR) == task_id
    move_clock(days=5)
    assert len([n for n in notifications(world, "applicant_a") if REMINDER in n.text]) == 1
    assert len([s for s in smtp.subjects(operator) if REMINDER in s]) == 1
    # only the space's operator is reminded
    for name in ("applicant_b", "recommender_a", "torch1"):
        assert not any(REMINDER in s for s in smtp.subjects(address(world, name))), name
        assert not any(REMINDER in n.text for n in notifications(world, name)), name
