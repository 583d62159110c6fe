"""The timer sweeper: advances instances whose earliest timer is due, then drains the mail outbox.

Each instance is its own transaction, so one failing diagram never holds up the others. Several sweepers
(and web workers) may run over one database: each claims an instance by locking its row (`FOR UPDATE SKIP
LOCKED` on PostgreSQL: a row another sweeper holds is skipped, not waited for) and re-reads it under the
lock, so an instance another sweeper advanced meanwhile is no longer due and is left alone. SQLite has no
row locks (the clause compiles to nothing) but lets one writer at a time, and the version column stops a
writer whose read went stale; the re-check under the claim keeps the history free of empty timer events
there too. A concurrent user action on the same instance wins or loses by the version column.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, undefer
from sqlalchemy.orm.exc import StaleDataError

from webapp.clock import clock
from webapp.engine import faults
from webapp.engine.runtime import Runtime, due_instances
from webapp.extensions import db
from webapp.models import ProcessInstance
from webapp.notifications import send_due_reminders, send_pending_mail

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(hours=1)


class Outcome(Enum):
    FIRED = "fired"
    SKIPPED = "skipped"  # held by another sweeper or a user right now, or advanced since the list was read
    NOTHING_DUE = "nothing due"  # claimed, but the engine found no timer due (the index is corrected)
    FAILED = "failed"  # the diagram failed: fault recorded, retried an hour later
    UNSAVED = "unsaved"  # not even the retry time could be saved: the database is likely away


def sweep_once(max_rounds: int = 100, stop: threading.Event | None = None) -> int:
    """Fire every due timer (repeatedly: a fired timer may start another that is already due). Returns how
    many instances advanced. With `stop` set, returns after the instance in hand."""
    handled = 0
    for _ in range(max_rounds):
        fired_this_round = 0
        after: tuple[datetime, int] | None = None
        while page := due_instances(clock.now(), after=after):  # the lookup, 100 ids a query
            for instance_id, _due_at in _spread(page):
                if stop is not None and stop.is_set():
                    return handled + fired_this_round
                outcome = fire_instance(instance_id)
                if outcome is Outcome.UNSAVED:  # don't wait out a connect timeout per due instance
                    log.warning("timer sweep ended early: the database does not take writes")
                    return handled + fired_this_round
                if outcome is Outcome.FIRED:
                    fired_this_round += 1
            after = (page[-1][1], page[-1][0])
        handled += fired_this_round
        if not fired_this_round:  # what is left is held by others or not really due: next sweep
            break
    if stop is not None and stop.is_set():
        return handled
    try:
        send_due_reminders(clock.now())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("sending task reminders failed")
    try:
        send_pending_mail()
        db.session.commit()
    except OSError:
        db.session.rollback()
        log.warning("mail server not reachable; will retry")
    return handled


def _spread(page: list[tuple[int, datetime]]) -> list[tuple[int, datetime]]:
    """The page in an order of this process's own. Every sweeper reads the same page; walked in the same order,
    two sweepers on SQLite (no row locks to skip) would work on the same case at the same moment, one of them
    for nothing (its save fails on the version column), and then again on the next one, in lockstep."""
    return random.sample(page, len(page))


def claim_due(instance_id: int, now: datetime) -> ProcessInstance | None:
    """The instance, locked for this transaction and re-read from the database, if its timer is still due;
    None when another sweeper or a user holds its row, or when it is no longer due."""
    # The definition version comes in the same statement (restoring the case needs it); only the case's row
    # is locked: every sweeper reads the same few version rows.
    return db.session.scalars(
        select(ProcessInstance).join(ProcessInstance.bundle)
        .where(ProcessInstance.id == instance_id, ProcessInstance.status == "running",
               ProcessInstance.next_timer_at < now)
        .options(undefer(ProcessInstance.state), contains_eager(ProcessInstance.bundle))
        .with_for_update(skip_locked=True, of=ProcessInstance)
        .execution_options(populate_existing=True)  # never the copy this session read before
    ).first()


def fire_instance(instance_id: int) -> Outcome:
    """Claim one instance and fire its due timers, in a transaction of its own (committed here)."""
    try:
        instance = claim_due(instance_id, clock.now())
        if instance is None:
            db.session.rollback()  # end the transaction the claim opened
            return Outcome.SKIPPED
        fired = Runtime().fire_due_timers(instance)
        db.session.commit()
        return Outcome.FIRED if fired else Outcome.NOTHING_DUE
    except StaleDataError:
        db.session.rollback()  # SQLite: another writer saved it after our read; the next round sees it
        return Outcome.SKIPPED
    except Exception as exc:
        description = faults.describe(exc)  # before the rollback: it reads the engine's objects
        db.session.rollback()
        log.exception("timer sweep failed for instance %s: %s", instance_id, description.message)
        return Outcome.FAILED if _back_off(instance_id, description) else Outcome.UNSAVED


def _back_off(instance_id: int, description: faults.FaultDescription) -> bool:
    """A case whose diagram fails must not hold up the others: record the fault (designers and
    supervisors see it on the case page; the audit trail, which applicants read, stays as it was) and try
    the case again an hour later. False when not even the postponement could be saved."""
    try:
        instance = db.session.get(ProcessInstance, instance_id)
        instance.next_timer_at = clock.now() + RETRY_AFTER
        db.session.commit()  # first and alone: if recording the fault fails, the case still waits an hour
    except StaleDataError:  # a user saved the case meanwhile: the next round sees the new state
        db.session.rollback()
        return True
    except Exception:
        db.session.rollback()
        log.exception("postponing instance %s failed", instance_id)
        return False
    try:
        faults.record(description, trigger="timer", instance_id=instance_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("recording the timer fault of instance %s failed", instance_id)
    return True


def run_forever(app, interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        with app.app_context():
            try:
                _load_demo_offset(app)
                advanced = sweep_once(stop=stop)
                if advanced:
                    log.info("timer sweep: %s instances advanced", advanced)
            except Exception:
                log.exception("sweep failed")
            finally:
                db.session.remove()
        stop.wait(interval)


def run_until_signalled(app, interval: float) -> None:
    """`flask --app webapp sweep --forever`: sweep every `interval` seconds in this process until SIGTERM
    or SIGINT; then finish the instance in hand (its transaction commits or rolls back whole) and return."""
    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        log.info("timer sweeper: %s received, stopping after the current instance", signal.Signals(signum).name)
        # Not stop.set() here: it takes the event's lock, which the interrupted main thread may hold.
        threading.Thread(target=stop.set, name="sweeper-stop").start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    log.info("timer sweeper started (every %s s)", interval)
    run_forever(app, interval, stop)
    log.info("timer sweeper stopped")


def _load_demo_offset(app) -> None:
    if app.config["DEMO_MODE"]:
        from webapp.models import AppSetting

        setting = db.session.get(AppSetting, "clock_offset_seconds")
        clock.set_offset(timedelta(seconds=float(setting.value)) if setting else timedelta(0))


def start_background(app) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, app.config["SWEEP_INTERVAL_SECONDS"], stop),
                     daemon=True, name="timer-sweeper").start()
    time.sleep(0)
    return stop
