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
from datetime import timedelta

import pytest
from sqlalchemy import select

from tasks.sweep import Outcome, fire_instance, sweep_once
from tests.conftest import START, fresh_database, make_app
from webapp.engine.clock import clock
from webapp.engine.definitions import deploy, read_directory
from webapp.engine.runtime import Runtime, due_instances
from webapp.engine.testing import recognised_space_now
from webapp.extensions import db
from webapp.models import AuditEvent, Organisation, ProcessInstance, Unit

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


@pytest.fixture
def shared_app(tmp_path):
    """Real connections to one database (in-memory SQLite is one connection): PostgreSQL when the tests
    run against it, else an SQLite file."""
    if os.environ.get("MAKERSPACE_TEST_DATABASE_URL"):
        app = make_app(tmp_path)
    else:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'sweep.db'}",
                       SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 30}})
    with app.app_context():
        fresh_database()
        deploy(read_directory(app.config["BPMN_DIR"]))
        db.session.commit()
    clock.freeze(START)
    yield app
    clock.reset()


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


def test_two_sweepers_fire_each_timer_once_and_write_one_event(shared_app, tmp_path):
    reference = _reference_history(tmp_path)
    assert len(reference) >= 3 and all(fired >= 1 for _, _, fired in reference), reference
    clock.freeze(START)
    with shared_app.app_context():
        instance_ids = _spaces(LIFECYCLES)

    errors: list[BaseException] = []
    advanced = [0, 0]

    def sweeper(index: int, barrier: threading.Barrier) -> None:
        try:
            with shared_app.app_context():
                barrier.wait(60)  # both start the sweep at the same moment
                advanced[index] += sweep_once()
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            errors.append(exc)
        finally:
            with shared_app.app_context():
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

    with shared_app.app_context():
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
