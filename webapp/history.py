"""A case's history as one person may read it (the application page, the task page): each event with the
decision it recorded and the written reason this person may read (webapp/decisions.py says which)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.decisions import decided
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, User

# Reasons written for everyone concerned: an applicant's own withdrawal, a case ended with its space.
PUBLIC_REASONS = ("withdrawn", "cancelled")
MIGRATED = "migrated"  # a designer moving the case to a new version: the title holds the designer's note


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: User | None  # shown through `actor_label`: a name to staff and to the person itself, else the role
    action: str  # an audit action, translated on the page
    title: str  # the step
    decision: str = ""
    reason: str = ""


def case_events(instance_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).options(selectinload(AuditEvent.actor)).where(
        AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)))


def history_for(instance_id: int, viewer: User, events: list[AuditEvent] | None = None) -> list[HistoryRow]:
    """`events`: the case's events, if the page has read them already."""
    events = case_events(instance_id) if events is None else events
    return history_rows(events, viewer, lambda: applicant_steps(instance_id))


def applicant_steps(instance_id: int) -> set[str]:
    """The case's steps in the applicant's lane (any it has reached), from the task rows."""
    return set(db.session.scalars(select(HumanTask.task_spec).where(
        HumanTask.instance_id == instance_id, HumanTask.lane == "applicant").distinct()))


def history_rows(events, viewer: User, applicant_steps_of) -> list[HistoryRow]:
    """`applicant_steps_of`: called (once) when a return needs it, to tell a return to the applicant, whose
    reason is written to it, from a return between reviewers, whose reason is theirs."""
    staff = viewer.sees_everything
    steps: set[str] | None = None
    rows = []
    for event in events:
        detail = event.detail or {}
        own = event.actor_id is not None and event.actor_id == viewer.id
        decision, reason, title = "", "", event.title
        if event.action == "completed":
            found = decided(detail.get("data") or {})
            if found is not None:
                decision = found.label
                reason = found.reason if staff or own or found.reason_to_applicant else ""
        elif event.action == "returned":
            if not (staff or own):
                steps = applicant_steps_of() if steps is None else steps
            if staff or own or detail.get("to") in steps:
                reason = detail.get("reason") or ""
        elif event.action in PUBLIC_REASONS or staff:
            reason = detail.get("reason") or ""
        if event.action == MIGRATED and not staff:
            title = ""
        rows.append(HistoryRow(at=event.at, actor=event.actor, action=event.action, title=title,
                               decision=decision, reason=str(reason)))
    return rows
