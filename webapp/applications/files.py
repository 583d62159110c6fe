"""Art. 7 attachments of an application: now a thin layer over webapp.attachments, and the versions of each
document (an applicant hands a document in again when its application comes back)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from forms.recognition import APPLICATION_FORM
from webapp.attachments import save_upload as _save
from webapp.attachments import storage_path
from webapp.models import Application, Attachment, User
from webapp.models.recognition import ATTACHMENT_KINDS

__all__ = ["EARLIER_VERSION_READERS", "Versions", "replaces_earlier", "replaced", "save_upload",
           "storage_path", "versions"]

# Who is shown the earlier versions of a document handed in again (folded under its current one): the staff
# who review or oversee the application, to see what changed; they may download them too. The applicant's page
# shows the current versions, but its own earlier files stay its to download (access.may_view_attachment); the
# experts review the current versions only and may not download an earlier one even by its id. Earlier
# versions are never deleted: they are the record of what was handed in when.
EARLIER_VERSION_READERS = ("recommender", "torch_center", "approver", "supervisor")


# The form whose files replace the earlier ones of their kind: the application itself, handed in again after a
# return. Files handed in with any other form (补充材料, asked for by the Torch Center) add to the documents.


def save_upload(application: Application, kind: str, upload, user: User) -> Attachment:
    """The application form's Art. 7 attachments (kept for its callers; new code calls
    webapp.attachments.save_upload with the label and step)."""
    return _save(upload, kind=kind, kind_label=ATTACHMENT_KINDS.get(kind, kind), user=user,
                 application=application, instance_id=application.instance_id, form_key=APPLICATION_FORM)


def replaces_earlier(attachment: Attachment) -> bool:
    """Is this file a version of the application's document of its kind (handed in with the application form,
    or with no form: rows saved before the form was recorded), rather than one added to the documents?"""
    return attachment.application_id is not None and attachment.form_key in (None, APPLICATION_FORM)


def replaced(attachment: Attachment) -> bool:
    """Is this file an earlier version: did a later file of its kind, handed in with the application form,
    replace it (as versions() folds it)?"""
    if attachment.application is None or not replaces_earlier(attachment):
        return False
    return any(other.id > attachment.id and other.kind == attachment.kind and replaces_earlier(other)
               for other in attachment.application.attachments)


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
        (versions_of if replaces_earlier(item) else supplements_of).setdefault(key, []).append(item)
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
