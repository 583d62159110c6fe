"""Acceptance (issue 9): two sweepers over one PostgreSQL database fire each timer once and write one event.

The crash test found a second sweeper reloading an instance the first had just advanced and still writing
a 'timer' event with nothing fired (up to 174 of 300 lifecycles; the history showed 定时触发 twice). Here
two sweepers — threads, each with its own database connection — sweep the same lifecycles at the same
moments, step by step through a year of the app clock, and every lifecycle's history must equal the one a
single sweeper writes. On PostgreSQL (`scripts/with-postgres`) the claims really interleave (FOR UPDATE
SKIP LOCKED); on SQLite writers take turns and the version column stops a stale writer.
MAKERSPACE_SWEEP_RACE_LIFECYCLES sets how many lifecycles race (default 40; the crash test used 300).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tasks.sweep import Outcome, fire_instance, sweep_once
from tests.conftest import START, make_app
from webapp import notifications as notifications_module
from webapp.clock import clock
from webapp.engine.definitions import deploy, read_directory
from webapp.engine.runtime import Runtime, due_instances
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, Notification, Organisation, ProcessInstance, Unit, User
from webapp.notifications import due_reminders, remind_task, send_due_reminders, send_pending_mail
from webapp.simulation import recognised_space_now

from .test_mail import Collector, free_port

LIFECYCLES = int(os.environ.get("MAKERSPACE_SWEEP_RACE_LIFECYCLES", "40"))
STEP = timedelta(days=10)
STEPS = 40  # a little over a year: the six-month timer, the report reminder and deadline, the next half year


def _organisation() -> Organisation:
    unit = Unit(code="hohhot", name="呼和浩特市科技局", kind="bureau")
    db.session.add(unit)
    db.session.flush()
    organisation = Organisation(name="青城创客科技有限公司", unit_id=unit.id)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def _spaces(count: int) -> list[int]:
    organisation = _organisation()
    return [recognised_space_now(f"空间{n}", organisation.id, organisation.unit_id).lifecycle_instance_id
            for n in range(count)]


def _timer_history(instance_id: int) -> list[tuple[str, str, int]]:
    return [(e.at.isoformat(), e.title, e.detail.get("fired")) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id, AuditEvent.action == "timer")
        .order_by(AuditEvent.at, AuditEvent.id))]


def _reference_history(tmp_path) -> list[tuple[str, str, int]]:
    """One lifecycle swept by one sweeper over the same steps, in a database of its own."""
    app = make_app(tmp_path / "reference", SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        db.create_all()
        deploy(read_directory(app.config["BPMN_DIR"]))
        db.session.commit()
        clock.freeze(START)
        [instance_id] = _spaces(1)
        for _ in range(STEPS):
            clock.advance(STEP)
            sweep_once()
        history = _timer_history(instance_id)
        db.session.remove()
    return history


def test_two_sweepers_fire_each_timer_once_and_write_one_event(file_app, tmp_path):
    reference = _reference_history(tmp_path)
    assert len(reference) >= 3 and all(fired >= 1 for _, _, fired in reference), reference
    clock.freeze(START)
    with file_app.app_context():
        instance_ids = _spaces(LIFECYCLES)

    errors: list[BaseException] = []
    advanced = [0, 0]

    def sweeper(index: int, barrier: threading.Barrier) -> None:
        try:
            with file_app.app_context():
                barrier.wait(60)  # both start the sweep at the same moment
                advanced[index] += sweep_once()
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            errors.append(exc)
        finally:
            with file_app.app_context():
                db.session.remove()

    for _ in range(STEPS):
        clock.advance(STEP)
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=sweeper, args=(n, barrier)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert not errors, errors

    with file_app.app_context():
        timer_events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "timer")).all()
        no_ops = [e.instance_id for e in timer_events if not e.detail.get("fired")]
        assert not no_ops, f"timer events with nothing fired (定时触发 twice) in instances {no_ops}"
        differing = {i: _timer_history(i) for i in instance_ids if _timer_history(i) != reference}
        assert not differing, (reference, differing)
        assert len(timer_events) == len(reference) * LIFECYCLES == sum(advanced)
        # Both did real work (on SQLite they take turns, but each gets instances of its own).
        assert all(advanced), advanced


# ---- the re-check, deterministically ------------------------------------------------------------------------

def test_a_sweeper_with_a_stale_list_writes_nothing(app):
    """Sweeper B read the due list; sweeper A then fired every instance on it. B claims each in turn,
    finds it no longer due, and writes nothing: no event, no new version."""
    instance_ids = _spaces(3)
    clock.advance(timedelta(days=185))
    stale = due_instances(clock.now())
    assert sorted(i for i, _ in stale) == sorted(instance_ids)
    assert sweep_once() == 3  # sweeper A
    versions = dict(db.session.execute(select(ProcessInstance.id, ProcessInstance.lock_version)).all())
    assert [fire_instance(i) for i, _ in stale] == [Outcome.SKIPPED] * 3  # sweeper B, list in hand
    db.session.expire_all()
    assert dict(db.session.execute(select(ProcessInstance.id, ProcessInstance.lock_version)).all()) == versions
    for instance_id in instance_ids:
        assert [title for _, title, _ in _timer_history(instance_id)] == ["认定满六个月"]


def test_firing_an_instance_with_nothing_due_writes_no_event(app):
    """The engine's own re-check: when the index says due but the diagram's timers are not (a stale index
    entry), no 'timer' event is written and the index is corrected, so it does not come due again."""
    [instance_id] = _spaces(1)
    instance = db.session.get(ProcessInstance, instance_id)
    real_due = instance.next_timer_at
    instance.next_timer_at = clock.now() - timedelta(minutes=1)
    db.session.commit()
    assert [i for i, _ in due_instances(clock.now())] == [instance_id]
    assert Runtime().fire_due_timers(db.session.get(ProcessInstance, instance_id)) is False
    db.session.commit()
    assert _timer_history(instance_id) == []
    assert db.session.get(ProcessInstance, instance_id).next_timer_at == real_due
    assert due_instances(clock.now()) == []


# ---- reminders and mail: claimed before they are sent --------------------------------------------------------
# HumanTask and Notification have no version column, so two sweepers reading the same due reminders or the
# same outbox used to both add 办理提醒 and both send the mail; each is now claimed by a conditional UPDATE.

REMINDERS = 12
OPERATORS = ("operator_1", "operator_2", "operator_3")


def _reminders_due(now) -> tuple[list[int], list[str]]:
    """REMINDERS open tasks of one organisation whose reminder is due, each waiting on three operators with an
    e-mail address; returns the task ids and the operators' addresses. Commits."""
    [instance_id] = _spaces(1)
    instance = db.session.get(ProcessInstance, instance_id)
    users = [User(username=name, display_name=name, password_hash="-", email=f"{name}@example.test",
                  role="applicant", organisation_id=instance.organisation_id) for name in OPERATORS]
    db.session.add_all(users)
    tasks = [HumanTask(instance_id=instance_id, task_guid=str(uuid.uuid4()), task_spec="half_year_report",
                       title=f"半年度报表{n}", lane="applicant", organisation_id=instance.organisation_id,
                       unit_id=instance.unit_id, due_at=now + timedelta(days=7),
                       remind_at=now - timedelta(minutes=n + 1)) for n in range(REMINDERS)]
    db.session.add_all(tasks)
    db.session.commit()
    return [t.id for t in tasks], [u.email for u in users]


def _reminder_notices() -> Counter:
    """(person, task link) → how many 办理提醒 notices that person has for that task."""
    db.session.expire_all()
    return Counter(db.session.execute(select(Notification.user_id, Notification.link)
                                      .where(Notification.text.startswith("办理提醒"))).all())


@pytest.fixture
def shared_smtp(file_app):
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    file_app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield handler
    finally:
        controller.stop()


def _at_once(app, work, count: int = 2) -> None:
    """Run `work` in `count` threads, each with its own app context and database connection, started at
    the same moment."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(60)
                work()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            with app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors


def test_two_sweepers_remind_each_person_once_and_mail_each_notice_once(file_app, shared_smtp):
    with file_app.app_context():
        file_app.config["MAIL_HOST"] = ""  # the reminders fall due while the mail server is away
        task_ids, addresses = _reminders_due(clock.now())
        file_app.config["MAIL_HOST"] = "127.0.0.1"
        db.session.remove()

    _at_once(file_app, sweep_once)

    with file_app.app_context():
        notices = _reminder_notices()
        assert len(notices) == REMINDERS * len(OPERATORS), notices
        twice = {key: n for key, n in notices.items() if n != 1}
        assert not twice, f"办理提醒 more than once: {twice}"
        assert all(task.remind_at is None for task in db.session.scalars(select(HumanTask)))
        # every notice in the outbox went out, once: the reminders and the lifecycle's own
        outbox = db.session.scalars(select(Notification).join(User, User.id == Notification.user_id)
                                    .where(User.email.is_not(None))).all()
        assert outbox and all(n.emailed and not n.mail_failed for n in outbox)
        for address in addresses:
            subjects = shared_smtp.subjects(address)
            assert len(subjects) == len(set(subjects)) == REMINDERS, (address, subjects)
            assert all("办理提醒" in s for s in subjects)
        assert len(shared_smtp.received) == len(outbox)
        db.session.remove()
    _at_once(file_app, sweep_once)  # nothing is left to remind or to send
    assert len(shared_smtp.received) == len(outbox)


def test_a_sweeper_with_a_stale_reminder_list_reminds_no_one(app):
    """Sweeper B read the due reminders; sweeper A then sent them all. B claims each in turn, finds it sent,
    and adds no notice."""
    task_ids, _ = _reminders_due(clock.now())
    stale = due_reminders(clock.now())
    assert sorted(stale) == sorted(task_ids)
    assert send_due_reminders(clock.now()) == REMINDERS  # sweeper A
    before = _reminder_notices()
    assert sum(before.values()) == REMINDERS * len(OPERATORS)
    assert [remind_task(i, clock.now()) for i in stale] == [False] * REMINDERS  # sweeper B, list in hand
    db.session.commit()
    assert _reminder_notices() == before


def test_a_sweeper_draining_the_outbox_meanwhile_sends_nothing_twice(file_app, shared_smtp, monkeypatch):
    """Sweeper A has read the outbox and is sending its first mail when sweeper B drains the whole outbox:
    A sends none of the others again (before, every mail went out twice)."""
    with file_app.app_context():
        file_app.config["MAIL_HOST"] = ""
        _, addresses = _reminders_due(clock.now())
        assert send_due_reminders(clock.now()) == REMINDERS
        db.session.commit()
        file_app.config["MAIL_HOST"] = "127.0.0.1"
        db.session.remove()
    real_send_one = notifications_module._send_one
    interrupted = []

    def send_one_while_b_sweeps(*args):
        if not interrupted:  # A's first message: B runs through the outbox on a connection of its own
            interrupted.append(True)
            b = threading.Thread(target=_sweep_in_own_context, args=(file_app,))
            b.start()
            b.join(300)
        return real_send_one(*args)

    monkeypatch.setattr(notifications_module, "_send_one", send_one_while_b_sweeps)
    with file_app.app_context():
        send_pending_mail()  # sweeper A
        outbox = db.session.scalars(select(Notification)).all()
        assert interrupted and all(n.emailed for n in outbox)
        db.session.remove()
    for address in addresses:
        subjects = shared_smtp.subjects(address)
        assert len(subjects) == len(set(subjects)) == REMINDERS, (address, subjects)
    assert len(shared_smtp.received) == len(outbox)


def _sweep_in_own_context(app) -> None:
    with app.app_context():
        try:
            send_pending_mail()
        finally:
            db.session.remove()
