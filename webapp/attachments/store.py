"""Saving uploads and finding them again. Files live outside the web root under random names; the row
keeps the user's file name, the label shown, where it belongs and the type its content was found to be."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Application, Attachment, MakerSpace, Objection, User

from .content import content_type_of, matches_extension, sniff
from .names import clean_filename, extension_of

log = logging.getLogger(__name__)
_WRITTEN = "attachments_written"  # session.info key: files written in the open transaction


class UploadRefused(ValueError):
    """The content is not what the file's extension says (a form validator should have said so first)."""


def storage_path(stored_name: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name


def save_upload(upload, *, kind: str, kind_label: str, user: User | None, application: Application | None = None,
                space: MakerSpace | None = None, instance_id: int | None = None,
                task_spec: str | None = None, form_key: str | None = None,
                objection: Objection | None = None) -> Attachment:
    """Store one uploaded file (a werkzeug FileStorage) and add its Attachment row. Flushes only.

    At least one owner is needed: an application, a space, the case (`instance_id`) it was uploaded
    in, or an objection (whose files come from the public portal, so `user` may be None there). The
    content is checked again here (raises UploadRefused), so a form that forgot the
    `forms.uploads.check_upload` validator still cannot store a renamed program. The file is owner-only
    (0600); if the transaction ends without its row committed, the file is removed again."""
    if application is None and space is None and instance_id is None and objection is None:
        raise ValueError("an attachment needs an application, a space, a case or an objection")
    name = clean_filename(upload.filename)
    family = sniff(upload.stream)
    if not matches_extension(family, extension_of(name)):
        raise UploadRefused(f"content {family or 'unknown'} does not match {name!r}")
    stored = secrets.token_hex(16)
    path = storage_path(stored)
    upload.stream.seek(0)
    db.session.info.setdefault(_WRITTEN, []).append(path)  # first: a write that fails halfway is removed too
    # Owner-only whatever the process umask (uploads hold personal data); O_EXCL: never another's file.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600),
                   "wb") as target:
        upload.save(target)
    attachment = Attachment(
        application_id=application.id if application is not None else None,
        space_id=space.id if space is not None else None,
        instance_id=instance_id,
        objection_id=objection.id if objection is not None else None,
        task_spec=task_spec[:255] if task_spec else None,
        form_key=form_key[:100] if form_key else None,
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


@event.listens_for(db.session, "after_transaction_end")
def _remove_orphans(session, transaction) -> None:
    """When a session's outermost transaction ends — committed, rolled back (a lost race, a failing
    diagram) or just closed by a request's teardown — remove the files it wrote whose row is not in the
    database. Asking the database, not trusting the outcome we saw, keeps the files of a commit whose
    reply was lost (the row is there) and removes those of a rolled-back savepoint."""
    if transaction.parent is not None or transaction.nested:
        return
    paths = session.info.pop(_WRITTEN, None)
    if not paths:
        return
    names = {path.name: path for path in paths}
    try:
        with db.engine.connect() as connection:  # a connection of its own: the session's has ended
            kept = set(connection.scalars(select(Attachment.stored_name).where(Attachment.stored_name.in_(names))))
    except Exception:  # the database cannot say: keeping a stray file is better than losing a stored one
        log.warning("could not check %d uploaded files against the database; they stay on disk", len(names),
                    exc_info=True)
        return
    for name, path in names.items():
        if name not in kept:
            path.unlink(missing_ok=True)
