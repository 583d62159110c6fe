"""Art. 7 attachments: stored outside the web root under random names, served only after a check."""

from __future__ import annotations

import mimetypes
import secrets
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

from webapp.engine.clock import clock
from webapp.extensions import db
from webapp.models import Application, Attachment, User


def storage_path(stored_name: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name


def save_upload(application: Application, kind: str, upload, user: User) -> Attachment:
    stored = secrets.token_hex(16)
    upload.stream.seek(0)
    upload.save(storage_path(stored))
    attachment = Attachment(
        application_id=application.id,
        kind=kind,
        original_name=secure_filename(upload.filename) or "file",
        stored_name=stored,
        # From the checked extension, never from what the client claimed.
        content_type=mimetypes.guess_type(upload.filename)[0] or "application/octet-stream",
        size=storage_path(stored).stat().st_size,
        uploaded_by_id=user.id,
        uploaded_at=clock.now(),
    )
    db.session.add(attachment)
    application.attachments.append(attachment)
    return attachment
