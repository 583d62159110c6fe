"""A case's history as one person may read it (the application page, the task page): each event with the
decision it recorded and the written reason this person may read (webapp/decisions.py says which)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.decisions import GRADE, decided, fact_needed
from webapp.extensions import db
from webapp.models import AuditEvent, Evaluation, HumanTask, User

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
    return history_rows(events, viewer, lambda: applicant_steps(instance_id), lambda name: case_facts(instance_id, name))


def applicant_steps(instance_id: int) -> set[str]:
    """The case's steps in the applicant's lane (any it has reached), from the task rows."""
    return set(db.session.scalars(select(HumanTask.task_spec).where(
        HumanTask.instance_id == instance_id, HumanTask.lane == "applicant").distinct()))


def case_facts(instance_id: int, name: str) -> list:
    """The facts of this name the case recorded, in order, one right after each decision that rests on one: the
    grade of every result an evaluation published (each confirmation publishes one; an upheld objection
    withdraws it but keeps the row, so the n-th confirmation's grade is the n-th row's)."""
    if name == GRADE:
        return list(db.session.scalars(select(Evaluation.grade).where(Evaluation.instance_id == instance_id)
                                       .order_by(Evaluation.id)))
    return []


def history_rows(events, viewer: User, applicant_steps_of, facts_of=lambda name: []) -> list[HistoryRow]:
    """`applicant_steps_of`: called (once) when a return needs it, to tell a return to the applicant, whose
    reason is written to it, from a return between reviewers, whose reason is theirs. `facts_of(name)`: called
    (once a name) when a decision rests on a fact of the case (`case_facts`)."""
    staff = viewer.sees_everything
    steps: set[str] | None = None
    facts: dict[str, list] = {}
    used: dict[str, int] = {}  # how many of each fact the decisions so far took
    rows = []
    for event in events:
        detail = event.detail or {}
        own = event.actor_id is not None and event.actor_id == viewer.id
        decision, reason, title = "", "", event.title
        if event.action == "completed":
            data = detail.get("data") or {}
            fact = None
            if (name := fact_needed(data)) is not None:
                if name not in facts:
                    facts[name] = facts_of(name)
                taken = used[name] = used.get(name, 0) + 1
                fact = facts[name][taken - 1] if taken <= len(facts[name]) else None
            found = decided(data, fact)
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
