"""Whether an application under review waits on its applicant because it was sent back, and by whom, until
when and why. Worked out for a whole list at once from the indexed tables — the open task rows of the
applicant's lane and the event that opened them in the audit trail — never from a deserialised case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.decisions import RETURN, SUPPLEMENT, decided
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask

# The events that move a case on: one of them opened the applicant's step (a step taken back, 撤回, reopens it
# too, but then nobody sent it back).
MOVES = ("completed", "returned", "step_withdrawn")


@dataclass(frozen=True)
class SentBack:
    """An application handed back to its applicant: to change and resubmit, or to supplement its materials."""

    kind: str  # RETURN | SUPPLEMENT
    by: str  # who sent it back, in words: the role (推荐单位, 火炬中心), or the automatic check of the conditions
    reason: str
    due_at: datetime | None  # until when the applicant's step may be done (its task row's deadline)
    task_id: int  # the applicant's open step
    step: str

    @property
    def label(self) -> str:
        return _("Materials to supplement") if self.kind == SUPPLEMENT else _("Returned for changes")


def sent_back(applications: list[Application]) -> dict[int, SentBack]:
    """{application id: SentBack} for the applications that wait on their applicant after a return; two
    statements however many applications are listed."""
    # A draft was never handed in; an application that ended waits on nobody.
    cases = {a.instance_id: a.id for a in applications if a.status == "in_review" and a.instance_id is not None}
    if not cases:
        return {}
    waiting: dict[int, HumanTask] = {}
    for row in db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id.in_(list(cases)), HumanTask.status == "open", HumanTask.lane == "applicant")
            .order_by(HumanTask.id)):
        waiting.setdefault(row.instance_id, row)
    if not waiting:
        return {}
    last = (select(func.max(AuditEvent.id)).where(AuditEvent.instance_id.in_(list(waiting)),
                                                  AuditEvent.action.in_(MOVES)).group_by(AuditEvent.instance_id))
    events = db.session.scalars(select(AuditEvent).options(selectinload(AuditEvent.actor))
                                .where(AuditEvent.id.in_(last)))
    found = {cases[event.instance_id]: _sent_back(event, waiting[event.instance_id]) for event in events}
    return {application_id: back for application_id, back in found.items() if back is not None}


def _sent_back(event: AuditEvent, row: HumanTask) -> SentBack | None:
    detail = event.detail or {}
    role = event.actor.role if event.actor is not None else None
    kind, reason = RETURN, ""
    if event.action == "step_withdrawn":  # the applicant took its own step back: nobody sent anything back
        return None
    if event.action == "returned":  # 退回 by the holder of a later step, with its reason
        if detail.get("to") not in (None, row.task_spec):  # a return between reviewers is not the applicant's
            return None
        reason = detail.get("reason") or ""
    elif role == "applicant" or role is None:
        if event.task_spec != row.task_spec:  # not its own step handed straight back by the check of conditions
            return None
        # The applicant's own submission came straight back: the conditions of application were checked
        # on it (the step opened lists those not met).
        return SentBack(kind=RETURN, by=_("the automatic check of the conditions of application"),
                        reason=_("The application does not meet all the conditions of application; its step lists "
                                 "those not met."), due_at=row.due_at, task_id=row.id, step=row.title)
    elif (found := decided(detail.get("data") or {})) is not None:
        kind = found.sends_back or RETURN
        reason = found.reason if found.reason_to_applicant else ""
    return SentBack(kind=kind, by=_(role), reason=str(reason), due_at=row.due_at, task_id=row.id, step=row.title)
