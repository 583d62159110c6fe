"""The timer sweeper: advances instances whose earliest timer is due, then drains the mail outbox.

Each instance is its own transaction, so one failing diagram never holds up the others; a concurrent
user action on the same instance wins or loses by the version column like any other writer.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy.orm.exc import StaleDataError

from webapp.engine import faults
from webapp.engine.clock import clock
from webapp.engine.runtime import Runtime, due_instances
from webapp.extensions import db
from webapp.notifications import send_due_reminders, send_pending_mail

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(hours=1)


def sweep_once(max_rounds: int = 100) -> int:
    """Fire every due timer (repeatedly: a fired timer may start another that is already due)."""
    handled = 0
    for _ in range(max_rounds):
        due = due_instances(clock.now())
        if not due:
            break
        for instance in due:
            try:
                Runtime().fire_due_timers(instance)
                db.session.commit()
                handled += 1
            except StaleDataError:
                db.session.rollback()  # someone else moved it; the next round sees the new state
            except Exception as exc:
                instance_id = instance.id
                description = faults.describe(exc)  # before the rollback: it reads the engine's objects
                db.session.rollback()
                log.exception("timer sweep failed for instance %s: %s", instance_id, description.message)
                _back_off(instance_id, description)
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


def _back_off(instance_id: int, description: faults.FaultDescription) -> None:
    """A case whose diagram fails must not hold up the others: record the fault (designers and
    supervisors see it on the case page; the audit trail, which applicants read, stays as it was) and try
    the case again an hour later."""
    from webapp.models import ProcessInstance

    try:
        instance = db.session.get(ProcessInstance, instance_id)
        instance.next_timer_at = clock.now() + RETRY_AFTER
        db.session.commit()  # first and alone: if recording the fault fails, the case still waits an hour
    except Exception:  # e.g. a user saved the case meanwhile: the next round sees the new state
        db.session.rollback()
        log.exception("postponing instance %s failed", instance_id)
        return
    try:
        faults.record(description, trigger="timer", instance_id=instance_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("recording the timer fault of instance %s failed", instance_id)


def run_forever(app, interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        with app.app_context():
            try:
                _load_demo_offset(app)
                sweep_once()
            except Exception:
                log.exception("sweep failed")
            finally:
                db.session.remove()
        stop.wait(interval)


def _load_demo_offset(app) -> None:
    if app.config["DEMO_MODE"]:
        from datetime import timedelta

        from webapp.models import AppSetting

        setting = db.session.get(AppSetting, "clock_offset_seconds")
        clock.set_offset(timedelta(seconds=float(setting.value)) if setting else timedelta(0))


def start_background(app) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, app.config["SWEEP_INTERVAL_SECONDS"], stop),
                     daemon=True, name="timer-sweeper").start()
    time.sleep(0)
    return stop
