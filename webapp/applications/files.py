"""Art. 7 attachments of an application: now a thin layer over webapp.attachments, and the versions of each
document (an applicant hands a document in again when its application comes back)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from webapp.attachments import save_upload as _save
from webapp.attachments import storage_path
from webapp.models import Application, Attachment, User
from webapp.models.recognition import APPLICATION_FORM, ATTACHMENT_KINDS

__all__ = ["Versions", "save_upload", "storage_path", "versions"]


def save_upload(application: Application, kind: str, upload, user: User) -> Attachment:
    """The application form's Art. 7 attachments (kept for its callers; new code calls
    webapp.attachments.save_upload with the label and step)."""
    return _save(upload, kind=kind, kind_label=ATTACHMENT_KINDS.get(kind, kind), user=user,
                 application=application, instance_id=application.instance_id, form_key=APPLICATION_FORM)


@dataclass
class Versions:
    current: list[Attachment] = field(default_factory=list)  # in the order the documents were first handed in
    older: dict[int, list[Attachment]] = field(default_factory=dict)  # current id -> earlier versions, newest first
    supplements: set[int] = field(default_factory=set)  # ids of files handed in as supplementary material


def versions(attachments: Iterable[Attachment]) -> Versions:
    """An application's documents by kind: of the files handed in with the application form, the last is the
    current version of its kind, the ones before it its earlier versions (one file field per kind: a new file
    replaces the earlier one). Supplementary material adds to the documents: each supplement is listed, after
    the document of its kind, and never replaces or is replaced. Files that belong to no application (a
    space's, a case's: half-year reports of different periods are different documents) are listed as they are."""
    items = list(attachments)
    order: list = []  # a (application, kind) key per kind, in first-handed-in order, or a file listed as it is
    versions_of: dict[tuple[int, str], list[Attachment]] = {}
    supplements_of: dict[tuple[int, str], list[Attachment]] = {}
    for item in items:
        if item.application_id is None:
            order.append(item)
            continue
        key = (item.application_id, item.kind)
        if key not in versions_of and key not in supplements_of:
            order.append(key)
        (versions_of if item.replaces_earlier else supplements_of).setdefault(key, []).append(item)
    result = Versions()
    for entry in order:
        if isinstance(entry, Attachment):
            result.current.append(entry)
            continue
        newest_first = sorted(versions_of.get(entry, []), key=lambda a: a.id, reverse=True)
        if newest_first:
            result.current.append(newest_first[0])
            if newest_first[1:]:
                result.older[newest_first[0].id] = newest_first[1:]
        added = sorted(supplements_of.get(entry, []), key=lambda a: a.id)
        result.current.extend(added)
        result.supplements.update(a.id for a in added)
    return result
