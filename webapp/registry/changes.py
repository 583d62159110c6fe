"""The operator's withdrawal of a change filing (变更备案, Art. 17) it has not handed in.

The case opens as soon as the operator clicks to file a change, with the form as its first step. Until the
operator hands the form in (or again, after the recommending unit sent it back), the filing is the operator's
alone, and the operator may give it up: the case ends as withdrawn (audit event `withdrawn`, 已撤回), as an
applicant's withdrawal of its application does (webapp/office/service.py), and nobody else is ever asked to
act on it. Once handed in, it waits on the recommending unit: the operator may still take back its own step
while nobody has acted on it (撤回, the office verb), which brings the form back.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tasks.common import notify_unit
from webapp.engine import office
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, MakerSpace, ProcessInstance, User
from webapp.registry.under_way import running_case

PROCESS = "change_filing"
OPERATOR_LANE = "applicant"


class Refusal(Exception):
    """Why the filing cannot be withdrawn, for the operator (a flash)."""


class FilingUnderWay(Exception):
    """A start lost the race to another start of the space's change filing at the same instant (the database
    keeps one running filing per space: ix_process_instance_one_running_change_filing); `instance` is the winner's."""

    def __init__(self, instance: ProcessInstance) -> None:
        super().__init__(instance.id)
        self.instance = instance


def is_operators_filing(user: User, instance: ProcessInstance, space_id: int) -> bool:
    """A change filing of this space, of the operator's organisation: the only ones it may withdraw."""
    return (user.role == "applicant" and instance.process_id == PROCESS and instance.subject_type == "space"
            and instance.subject_id == space_id and instance.organisation_id == user.organisation_id)


def running_filing(space_id: int) -> ProcessInstance | None:
    """The space's change filing still under way, if any: one at a time, so that the recommending unit and the
    Department never weigh two filings of one space that may contradict each other. Checked before a start; two
    starts at the same instant both pass it, and the database's partial unique index lets one of them in (the
    other's INSERT fails: FilingUnderWay)."""
    return running_case(PROCESS, space_id)


def waits_only_on_the_operator(instance: ProcessInstance) -> bool:
    """Running, and every open step is the operator's (the form, not yet handed in or sent back to it)."""
    if instance.status != "running":
        return False
    lanes = db.session.scalars(select(HumanTask.lane).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open")).all()
    return bool(lanes) and all(lane == OPERATOR_LANE for lane in lanes)


def withdraw_filing(user: User, instance: ProcessInstance) -> None:
    """End the filing as withdrawn; flush only (the route commits). Raises Refusal when it is not the
    operator's to withdraw any more."""
    if instance.status != "running":
        raise Refusal(str(_l("This change filing has already ended; there is nothing to withdraw.")))
    if not waits_only_on_the_operator(instance):
        raise Refusal(str(_l("This change filing has been handed in and waits on the recommending unit, so it can "
                             "no longer be withdrawn here. While nobody has acted on it, you can take your step back "
                             "from your task list; otherwise ask the recommending unit to send it back.")))
    # Sent back by the recommending unit before: its people would wait for it to come back.
    handed_in = db.session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id, HumanTask.lane != OPERATOR_LANE, HumanTask.status == "completed")
        .limit(1)) is not None
    try:
        office.withdraw_case(Runtime(actor=user), instance, "")
    except office.Refused:
        raise Refusal(str(_l("This change filing has already ended; there is nothing to withdraw."))) from None
    # The dossier words the two withdrawals differently: before anyone saw it, or after it came back.
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "withdrawn").order_by(AuditEvent.id.desc())).first()
    if event is not None:
        event.detail = {**(event.detail or {}), "handed_in": handed_in}
    if handed_in:
        space = db.session.get(MakerSpace, instance.subject_id)
        notify_unit(instance.unit_id, f"「{space.name}」的变更报备被退回后，运营机构已将其撤回，无需再办理。",
                    f"/spaces/{instance.subject_id}")


def withdrawn_filings(space_id: int) -> list[AuditEvent]:
    """The withdrawals of the space's change filings, oldest first (for the operator's dossier)."""
    return list(db.session.scalars(select(AuditEvent).join(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
                                   .where(ProcessInstance.process_id == PROCESS, ProcessInstance.subject_type == "space",
                                          ProcessInstance.subject_id == space_id, AuditEvent.action == "withdrawn")
                                   .order_by(AuditEvent.id)))
