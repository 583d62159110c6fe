"""Art. 7 attachments of an application: now a thin layer over webapp.attachments."""

from __future__ import annotations

from webapp.attachments import save_upload as _save
from webapp.attachments import storage_path
from webapp.models import Application, Attachment, User
from webapp.models.recognition import ATTACHMENT_KINDS

__all__ = ["save_upload", "storage_path"]


def save_upload(application: Application, kind: str, upload, user: User) -> Attachment:
    """The application form's Art. 7 attachments (kept for its callers; new code calls
    webapp.attachments.save_upload with the label and step)."""
    return _save(upload, kind=kind, kind_label=ATTACHMENT_KINDS.get(kind, kind), user=user,
                 application=application, instance_id=application.instance_id)
