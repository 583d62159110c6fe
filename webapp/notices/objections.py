"""Objections to a public notice (Art. 8, Art. 19.2): recorded, and sent to the notice's case as the
`objection` message its diagram waits for. Outside the notice period the refusal is recorded instead."""

from __future__ import annotations

from webapp.engine.runtime import NotWaiting, Runtime
from webapp.extensions import db
from webapp.models import Objection, ProcessInstance, User


def lodge(actor: User, form, *, instance: ProcessInstance | None, application_id: int | None = None,
          notice_id: int | None = None) -> bool:
    """True when the case took the objection. Flushes only (a savepoint undoes a refused delivery); the
    route commits once."""
    fields = dict(objector=form.objector.data, objector_kind=form.objector_kind.data, contact=form.contact.data,
                  reasons=form.reasons.data, recorded_by_id=actor.id, application_id=application_id,
                  notice_id=notice_id, instance_id=instance.id if instance is not None else None)
    try:
        with db.session.begin_nested():
            objection = Objection(**fields)
            db.session.add(objection)
            db.session.flush()
            if instance is None:
                raise NotWaiting("objection")
            Runtime(actor=actor).send_message(instance, "objection", {
                "objection_id": objection.id, "objector": objection.objector, "contact": objection.contact,
                "reasons": objection.reasons})
        return True
    except NotWaiting:
        db.session.add(Objection(**fields, refused_reason="not in the public notice period"))
        db.session.flush()
        return False
