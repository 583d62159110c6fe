"""Saving uploads and finding them again. Files live outside the web root under random names; the row
keeps the user's file name, the label shown, where it belongs and the type its content was found to be."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select

from webapp.engine.clock import clock
from webapp.extensions import db
from webapp.models import Application, Attachment, MakerSpace, Objection, User

from .content import content_type_of, matches_extension, sniff
from .names import clean_filename, extension_of

_WRITTEN = "attachments_written"  # session.info key: files written in the open transaction


class UploadRefused(ValueError):
    """The content is not what the file's extension says (a form validator should have said so first)."""


def storage_path(stored_name: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name


def save_upload(upload, *, kind: str, kind_label: str, user: User | None, application: Application | None = None,
                space: MakerSpace | None = None, instance_id: int | None = None,
                task_spec: str | None = None, objection: Objection | None = None) -> Attachment:
    """Store one uploaded file (a werkzeug FileStorage) and add its Attachment row. Flushes only.

    At least one owner is needed: an application, a space, the case (`instance_id`) it was uploaded
    in, or an objection (whose files come from the public portal, so `user` may be None there). The
    content is checked again here (raises UploadRefused), so a form that forgot the
    `forms.uploads.check_upload` validator still cannot store a renamed program. If the transaction is
    rolled back, the file is removed again."""
    if application is None and space is None and instance_id is None and objection is None:
        raise ValueError("an attachment needs an application, a space, a case or an objection")
    name = clean_filename(upload.filename)
    family = sniff(upload.stream)
    if not matches_extension(family, extension_of(name)):
        raise UploadRefused(f"content {family or 'unknown'} does not match {name!r}")
    stored = secrets.token_hex(16)
    path = storage_path(stored)
    upload.stream.seek(0)
    upload.save(path)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    attachment = Attachment(
        application_id=application.id if application is not None else None,
        space_id=space.id if space is not None else None,
        instance_id=instance_id,
        objection_id=objection.id if objection is not None else None,
        task_spec=task_spec[:255] if task_spec else None,
        kind=kind[:30],
        kind_label=(kind_label or "")[:200] or None,
        original_name=name,
        stored_name=stored,
        content_type=content_type_of(family),  # from the content; never the client's claim or the name
        size=path.stat().st_size,
        uploaded_by_id=user.id if user is not None else None,
        uploaded_at=clock.now(),
    )
    db.session.add(attachment)
    if application is not None:
        application.attachments.append(attachment)
    db.session.flush()
    return attachment


def attachments_for(*, instance_id: int | None = None, application_id: int | None = None,
                    space_id: int | None = None, task_spec: str | None = None) -> list[Attachment]:
    """Attachments matching every criterion given (at least one of instance, application, space), oldest
    first. E.g. `attachments_for(instance_id=case.id)` lists what was uploaded in a case, at any step."""
    if instance_id is None and application_id is None and space_id is None:
        raise ValueError("name an instance, an application or a space")
    query = select(Attachment).order_by(Attachment.id)
    if instance_id is not None:
        query = query.where(Attachment.instance_id == instance_id)
    if application_id is not None:
        query = query.where(Attachment.application_id == application_id)
    if space_id is not None:
        query = query.where(Attachment.space_id == space_id)
    if task_spec is not None:
        query = query.where(Attachment.task_spec == task_spec)
    return list(db.session.scalars(query))


@event.listens_for(db.session, "after_commit")
def _forget_written(session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(db.session, "after_soft_rollback")
def _remove_written(session, previous_transaction) -> None:
    """Files of a transaction that was rolled back have no row: remove them (outermost rollback only)."""
    if previous_transaction.parent is not None or previous_transaction.nested:
        return
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
