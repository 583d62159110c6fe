"""Art. 7 attachments of an application: now a thin layer over webapp.attachments, and the versions of each
document (an applicant hands a document in again when its application comes back)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from webapp.attachments import save_upload as _save
from webapp.attachments import storage_path
from webapp.models import Application, Attachment, User
from webapp.models.recognition import ATTACHMENT_KINDS

__all__ = ["EARLIER_VERSION_READERS", "Versions", "save_upload", "storage_path", "versions"]

# Who is shown the earlier versions of a document handed in again (folded under its current one): the staff
# who review or oversee the application, to see what changed. The applicant and the experts read the current
# versions only. Earlier versions are never deleted: they are the record of what was handed in when.
EARLIER_VERSION_READERS = ("recommender", "torch_center", "approver", "supervisor")


def save_upload(application: Application, kind: str, upload, user: User) -> Attachment:
    """The application form's Art. 7 attachments (kept for its callers; new code calls
    webapp.attachments.save_upload with the label and step)."""
    return _save(upload, kind=kind, kind_label=ATTACHMENT_KINDS.get(kind, kind), user=user,
                 application=application, instance_id=application.instance_id)


@dataclass
class Versions:
    current: list[Attachment] = field(default_factory=list)  # in the order the documents were first handed in
    older: dict[int, list[Attachment]] = field(default_factory=dict)  # current id -> earlier versions, newest first


def versions(attachments: Iterable[Attachment]) -> Versions:
    """An application's documents by kind: the file handed in last is the current version of its kind, the
    ones before it its earlier versions (one file field per kind: a new file replaces the earlier one).
    Files that belong to no application (a space's, a case's: half-year reports of different periods are
    different documents) are listed as they are."""
    items = list(attachments)
    kinds: dict[tuple[int, str], list[Attachment]] = {}
    for item in items:
        if item.application_id is not None:
            kinds.setdefault((item.application_id, item.kind), []).append(item)
    result, listed = Versions(), set()
    for item in items:
        key = (item.application_id, item.kind) if item.application_id is not None else None
        if key is None:
            result.current.append(item)
        elif key not in listed:
            listed.add(key)
            newest_first = sorted(kinds[key], key=lambda a: a.id, reverse=True)
            result.current.append(newest_first[0])
            if newest_first[1:]:
                result.older[newest_first[0].id] = newest_first[1:]
    return result
