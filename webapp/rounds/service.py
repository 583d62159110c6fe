"""Opening and closing application rounds, and finding the round an applicant may apply in.

Like the runtime, these functions only flush: the route (or the demo seeding) commits once.
Who opened or closed a round is kept on the round and in the audit trail (an AuditEvent with no
instance: `round_opened` / `round_closed`, the round's id in its detail).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import ApplicationRound, AuditEvent, Unit, User
from webapp.models.recognition import application_round_unit, day_start


class RoundError(ValueError):
    """The round cannot be opened or closed as asked."""


def today() -> date:
    """Today's date in China time, by the app clock."""
    return clock.now().astimezone(CHINA).date()


def open_round(*, title: str, year: int, batch: int, opens_on: date, closes_on: date,
               unit_ids: Iterable[int], instructions: str = "", user: User | None = None) -> ApplicationRound:
    """A new round accepting applications from 00:00 of `opens_on` through the whole of `closes_on`
    (China time) from the applicants of the given recommending units. Flushes; never commits."""
    unit_ids = sorted({int(u) for u in unit_ids})
    if not title.strip():
        raise RoundError("a round needs a title")
    if closes_on < opens_on:
        raise RoundError("the closing date is before the opening date")
    units = db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.id)).all()
    if not units or len(units) != len(unit_ids):
        raise RoundError("a round needs at least one existing recommending unit")
    if find_round(year, batch) is not None:
        raise RoundError("a round of this year and batch exists already")
    round_ = ApplicationRound(
        title=title.strip(), year=year, batch=batch, opens_at=day_start(opens_on),
        closes_at=day_start(closes_on + timedelta(days=1)), instructions=(instructions or "").strip(),
        created_by_id=user.id if user else None, created_at=clock.now())
    round_.units = list(units)
    db.session.add(round_)
    db.session.flush()
    db.session.add(AuditEvent(
        instance_id=None, actor_id=user.id if user else None, action="round_opened", title=round_.title,
        detail={"round_id": round_.id, "year": year, "batch": batch, "opens_on": opens_on.isoformat(),
                "closes_on": closes_on.isoformat(), "unit_ids": unit_ids},
        at=clock.now()))
    db.session.flush()
    return round_


def close_early(round_: ApplicationRound, user: User | None) -> ApplicationRound:
    """Stop accepting applications now (applications already started go on). A planned round closed
    this way never opens. Flushes; never commits."""
    now = clock.now()
    if round_.status_at(now) == "closed":
        raise RoundError("the round is already closed")
    round_.closed_early_at = now
    round_.closed_by_id = user.id if user else None
    db.session.add(AuditEvent(
        instance_id=None, actor_id=user.id if user else None, action="round_closed", title=round_.title,
        detail={"round_id": round_.id, "early": True, "scheduled_close": round_.closes_at.isoformat()}, at=now))
    db.session.flush()
    return round_


def _rounds_of_unit(unit_id: int):
    return (select(ApplicationRound)
            .join(application_round_unit, application_round_unit.c.round_id == ApplicationRound.id)
            .where(application_round_unit.c.unit_id == unit_id, ApplicationRound.closed_early_at.is_(None)))


def round_for(unit_id: int | None, now: datetime | None = None) -> ApplicationRound | None:
    """The open round the unit takes part in; of several, the one opened last."""
    if unit_id is None:
        return None
    now = now or clock.now()
    return db.session.scalar(
        _rounds_of_unit(unit_id).where(ApplicationRound.opens_at <= now, ApplicationRound.closes_at > now)
        .order_by(ApplicationRound.opens_at.desc(), ApplicationRound.id.desc()).limit(1))


def next_round_for(unit_id: int | None, now: datetime | None = None) -> ApplicationRound | None:
    """The next planned round the unit takes part in (the one opening first)."""
    if unit_id is None:
        return None
    now = now or clock.now()
    return db.session.scalar(
        _rounds_of_unit(unit_id).where(ApplicationRound.opens_at > now)
        .order_by(ApplicationRound.opens_at, ApplicationRound.id).limit(1))


def round_history(round_: ApplicationRound) -> list[AuditEvent]:
    """The audit events of this round (opened, closed early), oldest first."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id.is_(None), AuditEvent.action.in_(("round_opened", "round_closed")),
        AuditEvent.title == round_.title).order_by(AuditEvent.id)).all()
    return [e for e in events if (e.detail or {}).get("round_id") == round_.id]


def find_round(year: int, batch: int) -> ApplicationRound | None:
    """The round of this year and batch number, if there is one (the pair names a round)."""
    return db.session.scalar(select(ApplicationRound).where(ApplicationRound.year == year,
                                                            ApplicationRound.batch == batch).limit(1))


def next_batch(year: int) -> int:
    """The batch number a new round of this year would usually get."""
    return (db.session.scalar(select(func.max(ApplicationRound.batch)).where(ApplicationRound.year == year)) or 0) + 1
