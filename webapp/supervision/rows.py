"""The instance list's rows as the text they show, worked out in Python once per page (as the inbox's:
webapp/inbox/rows.py): one `url_for` per kind of link and one catalog lookup per page, not per row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import get_translations
from sqlalchemy import Row

from webapp.labels import local_time
from webapp.views import url_pattern


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    case_href: str  # the case page, "" where this person may not follow the case
    subject: str
    subject_href: str  # the application or the space, "" for other subjects
    process: str
    version: int
    status: str  # in the reader's language
    current_step: str
    overdue: bool
    unit: str
    created: str
    changed: str
    next_timer: str


def present(rows: list[Row], may_follow: Callable[[Row], bool], units: dict[int, str],
            overdue: set[int], withdrawn: dict[int, str] | None = None) -> list[CaseRow]:
    """`withdrawn`: the status shown instead of "cancelled" for cases their applicant or operator withdrew
    (instances.withdrawn_statuses)."""
    withdrawn = withdrawn or {}
    gettext = get_translations().gettext
    case = url_pattern("supervision.show", "instance_id")
    subject = {"application": url_pattern("applications.show", "application_id"),
               "space": url_pattern("registry.show", "space_id")}
    shown = []
    for i in rows:
        link = subject.get(i.subject_type)
        shown.append(CaseRow(
            id=i.id, case_href=case(i.id) if may_follow(i) else "", subject=i.subject_title,
            subject_href=link(i.subject_id) if link and i.subject_id is not None else "",
            process=i.process_name, version=i.version, status=gettext(withdrawn.get(i.id, i.status)),
            current_step=i.current_step or "", overdue=i.id in overdue, unit=units.get(i.unit_id, ""),
            created=local_time(i.created_at), changed=local_time(i.updated_at), next_timer=local_time(i.next_timer_at)))
    return shown
