"""An inbox page's rows as the text they show, worked out in Python once per page.

A page is 50 rows. Built in the template, each row cost a macro call, two `url_for`s (one more for a claim
button) and a Flask-Babel lookup per label; together they were half of a big inbox's answer time. Here the
addresses come from one `url_for` per page (`views.url_pattern`), the translations from one catalog lookup per
page, and the template only prints strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_translations

from webapp.labels import due_label, local_time
from webapp.views import url_pattern


@dataclass(frozen=True, slots=True)
class InboxRow:
    href: str
    title: str
    case: str
    process: str
    since: str  # when the step opened, China time
    due: str  # "" without a deadline
    overdue: bool
    claimed_by: str  # the colleague's name, "" if nobody holds it
    claim: str  # the address of the claim (or release) button, "" if neither applies
    release: bool  # the button releases this person's own claim


def present(rows: Iterable, user_id: int, group_lanes: tuple[str, ...], now: datetime) -> list[InboxRow]:
    """`rows` as `listing` reads them (id, title, lane, created_at, due_at, claimed_by_id, case, process,
    claimed_by_name). Claim and release buttons only on group lanes' steps (`group_lanes`)."""
    translations = get_translations()
    task_href = url_pattern("inbox.task", "task_id")
    claim_href, release_href = url_pattern("inbox.claim", "task_id"), url_pattern("inbox.release", "task_id")
    shown = []
    for r in rows:
        claim, release = "", False
        if r.lane in group_lanes:
            if r.claimed_by_id is None:
                claim = claim_href(r.id)
            elif r.claimed_by_id == user_id:
                claim, release = release_href(r.id), True
        shown.append(InboxRow(
            href=task_href(r.id), title=r.title, case=r.subject_title, process=r.process_name,
            since=local_time(r.created_at),
            due=due_label(r.due_at, now, translations) if r.due_at else "", overdue=r.due_at is not None and r.due_at < now,
            claimed_by=r.claimed_by_name or "", claim=claim, release=release))
    return shown
