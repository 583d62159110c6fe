"""Objections to a public notice (Art. 8, Art. 19.2): recorded, and sent to the notice's case as the
`objection` message its diagram waits for. Outside the notice period the refusal is recorded instead.

Staff record objections they received (`actor` is the staff member); the public sends them through the
portal (`actor` None, origin "public"). Either way the case decides whether it takes the objection now: the
diagram's message event waits for it while the notice runs. While the case investigates an earlier objection
it waits for none; an objection then, with a notice of the case still running by the calendar, is queued for
the diagram to take up next (where the diagram has that step). The checks the portal makes before (late by
the calendar, anonymous) only give the objector a more precise reason."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from webapp.attachments import save_upload
from webapp.clock import clock
from webapp.engine.runtime import NotWaiting, Runtime
from webapp.extensions import db
from webapp.models import AuditEvent, Objection, ProcessInstance, PublicNotice, User

# Why an objection was not accepted, as stored in Objection.refused_reason (stable text: the first one
# is what rows written before the portal hold), and as told to the objector.
NOT_WAITING = "not in the public notice period"
LATE = "late: the public notice period had ended"
ANONYMOUS = "anonymous: no real name or no contact details"
NO_STAMP = "unit without the scan of its stamped letter"
WITHDRAWN = "the notice was withdrawn"
REPEATED = "repeated: the same objector already lodged the same objection to this notice"

REFUSALS = {
    NOT_WAITING: _l("The case of this notice is not taking objections (for example, the notice has ended or the "
                    "case has been closed), so this objection was not accepted."),
    LATE: _l("The public notice period has ended; objections are accepted only until its last day "
             "(inclusive). This objection was not accepted."),
    ANONYMOUS: _l("Anonymous objections are not accepted: an individual must give a real name and contact "
                  "details, a unit its full name and contact details. This objection was not accepted."),
    NO_STAMP: _l("An objection from a unit must include the scan of its letter bearing the unit's official "
                 "stamp. This objection was not accepted."),
    WITHDRAWN: _l("This notice has been withdrawn and takes no objections. This objection was not accepted."),
    REPEATED: _l("You have already lodged this same objection to this notice; it is being handled and one is "
                 "enough. To add reasons or evidence, lodge an objection that says what is new."),
    Objection.SETTLED: _l("Another objection to the same notice was upheld and the applicant was not recognised; "
                          "this objection was settled by that decision."),
    Objection.SETTLED_RESULT_WITHDRAWN: _l(
        "Another objection to the same result was upheld and the result was withdrawn to be reviewed and scored "
        "again; this objection was settled by that decision. The new result will be publicly noticed and can be "
        "objected to again."),
}
QUEUE_TAKER = "take_queued_objection"  # the service task that takes a queued objection up (tasks/recognition.py)

# Attachment kinds of an objection's files, with the labels stored on them (data, like the diagrams' labels).
STAMP_KIND, STAMP_LABEL = "objection_stamp", "异议单位盖章函扫描件"
EVIDENCE_KIND, EVIDENCE_LABEL = "objection_evidence", "异议证据材料"


def takes_queued_objections(instance: ProcessInstance | None) -> bool:
    """The case runs on a diagram that takes up objections queued while it investigates another (a service
    task calling take_queued_objection). Others refuse such an objection, as before."""
    if instance is None or instance.status != "running":
        return False
    return diagram_takes_queued(instance.bundle, instance.process_id)


def diagram_takes_queued(bundle, process_id: str) -> bool:
    """`process_id` in this definitions version has a service task calling take_queued_objection."""
    from webapp.engine.definitions import parsed_bundle

    specs = parsed_bundle(bundle).specs
    if process_id not in specs:
        return False
    spec, subprocess_specs = specs[process_id]
    return any(getattr(task_spec, "operation_name", None) == QUEUE_TAKER
               for wf_spec in (spec, *subprocess_specs.values()) for task_spec in wf_spec.task_specs.values())


def _objection_event_name(instance: ProcessInstance) -> str:
    """What the case's diagram calls the event that receives an objection (收到异议), as the history names a
    message the diagram caught; the message's name where the diagram gives none (as the runtime does)."""
    from webapp.engine.definitions import parsed_bundle
    from webapp.engine.runtime import message_event_name

    spec, subprocess_specs = parsed_bundle(instance.bundle).specs[instance.process_id]
    for wf_spec in (spec, *subprocess_specs.values()):
        for task_spec in wf_spec.task_specs.values():
            if named := message_event_name(task_spec, "objection"):
                return named
    return "objection"


def queued_for(instance: ProcessInstance) -> int:
    """How many objections wait in this case's queue."""
    return db.session.scalar(select(func.count(Objection.id)).where(
        Objection.instance_id == instance.id, Objection.queued.is_(True))) or 0


def notice_running(instance: ProcessInstance) -> bool:
    """A notice of this case runs now by the calendar (not withdrawn, started, not ended): an objection then
    is in time even while the case investigates another. (The case itself may have moved past an ended
    notice already: that one is late.)"""
    now = clock.now()
    return db.session.scalar(select(PublicNotice.id).where(
        PublicNotice.instance_id == instance.id, PublicNotice.withdrawn_at.is_(None), PublicNotice.starts_at <= now,
        or_(PublicNotice.ends_at.is_(None), PublicNotice.ends_at > now)).limit(1)) is not None


def _read_afresh(instance: ProcessInstance | None) -> int | None:
    """The case's state and version as committed now, read together; the version is what the objection's
    fate was judged on."""
    if instance is None:
        return None
    db.session.refresh(instance, attribute_names=["state", "lock_version", "status"])
    return instance.lock_version


def _claim(instance: ProcessInstance, seen: int) -> bool:
    """Bump the case's version if it is still `seen` (its row stays locked until the commit on PostgreSQL); False
    when another writer saved the case since."""
    claimed = db.session.execute(
        update(ProcessInstance).where(ProcessInstance.id == instance.id, ProcessInstance.lock_version == seen)
        .values(lock_version=seen + 1).execution_options(synchronize_session=False))
    db.session.expire(instance, ["lock_version"])
    return claimed.rowcount == 1


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def repeats(notice_id: int, form) -> bool:
    """The same objector (name and contact) already lodged the same reasons to this notice, and it was
    accepted: sent again (twice by mistake, or to flood the Torch Center with investigations), it is refused
    with the reason recorded. Different reasons are a new objection and are heard."""
    objector, contact = (form.objector.data or "").strip(), (form.contact.data or "").strip()  # as lodge stores them
    reasons = _words(form.reasons.data)
    earlier = db.session.scalars(select(Objection.reasons).where(
        Objection.notice_id == notice_id, Objection.objector == objector, Objection.contact == contact,
        Objection.refused_reason == ""))
    return any(_words(text) == reasons for text in earlier)


def refusal_text(reason: str) -> str:
    return str(REFUSALS.get(reason, REFUSALS[NOT_WAITING]))


def lodge(actor: User | None, form, *, instance: ProcessInstance | None, application_id: int | None = None,
          notice_id: int | None = None, refuse: str = "", stamp=None, evidence: Sequence = ()) -> bool:
    """True when the case took the objection. `actor` None: sent by the public through the portal.
    `refuse` (one of the reasons above) records the objection as refused without sending it. The stamped
    letter and evidence (werkzeug uploads) are kept with an accepted objection only.

    Flushes only (a savepoint undoes a refused delivery); the route commits once."""
    fields = dict(objector=(form.objector.data or "").strip(), objector_kind=form.objector_kind.data,
                  contact=(form.contact.data or "").strip(), reasons=form.reasons.data,
                  recorded_by_id=actor.id if actor is not None else None,
                  origin="staff" if actor is not None else "public", lodged_at=clock.now(),
                  application_id=application_id, notice_id=notice_id,
                  instance_id=instance.id if instance is not None else None)
    objection = None
    for attempt in (1, 2):
        seen = _read_afresh(instance)
        try:
            if refuse:
                raise NotWaiting(refuse)
            with db.session.begin_nested():
                objection = Objection(**fields)
                db.session.add(objection)
                db.session.flush()
                if instance is None:
                    raise NotWaiting("objection")
                Runtime(actor=actor).send_message(instance, "objection", objection.as_message())
            break
        except StaleDataError:  # another objection or a decision saved the case meanwhile: look again, once
            if attempt == 2:
                raise
            continue
        except NotWaiting:
            if refuse or not (takes_queued_objections(instance) and notice_running(instance)):
                db.session.add(Objection(**fields, refused_reason=refuse or NOT_WAITING))
                db.session.flush()
                return False
            # In time and in the objector's own name, but the case is investigating an earlier objection: it
            # waits, and the diagram takes it up next (tasks/recognition.py, take_queued_objection). The case's
            # version is claimed with it: a decision saved meanwhile may already have looked for queued
            # objections and resumed the notice, and then the case takes this one as a message instead.
            if not _claim(instance, seen):
                if attempt == 2:
                    raise StaleDataError("the case changed twice while an objection was lodged") from None
                continue
            objection = Objection(**fields, queued=True)
            db.session.add(objection)
            db.session.flush()
            # In the case's history as its arrival (the diagram takes it up later, by a service task): each
            # objection a notice received is there, not only those its message event caught. Its own action,
            # not "message": the case did not move, so it stops nobody taking back a step (office.ACTED).
            db.session.add(AuditEvent(instance_id=instance.id, actor_id=actor.id if actor is not None else None,
                                      action="queued", title=_objection_event_name(instance), at=clock.now(),
                                      detail={"message": "objection", "objection_id": objection.id, "queued": True}))
            break
    # Files only now: written inside the savepoint, a refused delivery would have left them on disk
    # (the upload store removes files on the outer transaction's rollback only).
    uploads = ([(STAMP_KIND, STAMP_LABEL, stamp)] if stamp is not None else []) + \
        [(EVIDENCE_KIND, EVIDENCE_LABEL, upload) for upload in evidence]
    for kind, label, upload in uploads:
        save_upload(upload, kind=kind, kind_label=label, user=actor, objection=objection)
    return True
