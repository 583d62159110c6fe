"""The inbox as pages: 50 tasks a page by keyset, counts per task type, a filter to one type.

A page is addressed by the (due date, id) of a row it ends at, never by OFFSET, so page 400 costs what page 1
does and a task completed meanwhile neither repeats a row nor hides one. The inbox's order is "earliest due
first, tasks without a due date last, then by id"; an index (status, lane[, unit|organisation], due_at, id)
or (status, assignee_id, due_at, id) serves it. Because such an index cannot put NULLs last on every database
(SQLite sorts them first), the order is read as two index ranges: the dated tasks by (due_at, id), then the
undated ones by id. Only the page where the first range runs out needs both.

Counts per type come from one grouped COUNT over the same indexed columns (the step's title: what people
see and call the task). Every query starts from `access.inbox_conditions`: a cursor or a type from the
address narrows the user's own inbox and can never widen it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased

from webapp.access import inbox_conditions
from webapp.extensions import db
from webapp.models import HumanTask, ProcessInstance, User
from webapp.models.accounts import GROUP_ROLES
from webapp.paging import Cursor, cursors_from

PAGE_SIZE = 50


def _cursor_of(task: HumanTask | Row) -> Cursor:
    """The inbox's sort key of a row: its due date (None: none) and its id."""
    return Cursor(task.due_at, task.id)


# What a row of the inbox shows, read as plain columns: an ORM object per row (with its case and claimant)
# cost more Python than the query.
_CLAIMANT = aliased(User)
ROW_COLUMNS = (HumanTask.id, HumanTask.title, HumanTask.lane, HumanTask.created_at, HumanTask.due_at,
               HumanTask.claimed_by_id, ProcessInstance.subject_title, ProcessInstance.process_name,
               _CLAIMANT.display_name.label("claimed_by_name"))


@dataclass(frozen=True)
class TypeCount:
    title: str
    count: int


@dataclass
class InboxPage:
    rows: list[Row]  # ROW_COLUMNS
    types: list[TypeCount]  # every type in the user's inbox, most tasks first (whatever the filter)
    total: int  # tasks in the inbox, or of the chosen type
    first_number: int = 1  # the first row's place in the whole list, counted from 1
    next: Cursor | None = None  # give as after=… for the next page
    previous: Cursor | None = None  # give as before=… for the previous page
    type: str | None = None  # the chosen type (a step title), if any
    bad_link: bool = False  # a page or type parameter could not be read: the first page is shown
    args: dict = field(default_factory=dict)  # the filter as GET parameters, for the pager's links

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.rows) - 1

    @property
    def inbox_total(self) -> int:
        return sum(t.count for t in self.types)


# ---- the queries ------------------------------------------------------------------------------------------


def type_counts(user: User) -> list[TypeCount]:
    """Open tasks per step title in this user's inbox: one grouped COUNT over the inbox's index.

    A group's lane is counted in title order straight from (status, lane, title, due_at, id). Any other inbox
    is a small part of a lane, counted from its own index; it groups by an expression so that no planner walks
    the whole lane in title order just to skip sorting a few hundred titles (SQLite did so without
    statistics, and an SQLite database has none unless someone runs ANALYZE)."""
    title = HumanTask.title if user.role in GROUP_ROLES else HumanTask.title.op("||")(literal_column("''"))
    rows = db.session.execute(
        select(title, func.count()).where(*inbox_conditions(user)).group_by(title)
    ).all()
    return sorted((TypeCount(title, int(n)) for title, n in rows), key=lambda t: (-t.count, t.title))


def _undated(conditions: list) -> int:
    """How many of these tasks have no due date: a count of one short index range (status, …, due_at NULL).
    (Counting the dated ones alongside the types, as count(due_at), cost a third more than this and the
    grouped count together.)"""
    return db.session.scalar(
        select(func.count()).select_from(HumanTask).where(*conditions, HumanTask.due_at.is_(None))) or 0


def _later(cursor: Cursor) -> ColumnElement:
    """Dated rows after the cursor. Written as a range on due_at (>=) with the tie broken by id, so every
    backend starts the index scan at the cursor instead of filtering the rows before it one by one (a plain
    "due_at > d OR (due_at = d AND id > i)" made SQLite read, or sort, everything before the cursor)."""
    return and_(HumanTask.due_at >= cursor.value, or_(HumanTask.due_at > cursor.value, HumanTask.id > cursor.id))


def _earlier(cursor: Cursor) -> ColumnElement:
    """Dated rows before the cursor (the mirror of `_later`)."""
    return and_(HumanTask.due_at <= cursor.value, or_(HumanTask.due_at < cursor.value, HumanTask.id < cursor.id))


@dataclass
class _List:
    """The rows an inbox page is cut from: the conditions, and how many rows have a due date and how many
    not (from the counts), so a part of the list known to be empty is not asked for."""

    conditions: list
    dated: int
    undated: int

    def _rows(self, *extra: ColumnElement, descending: bool, limit: int) -> list[Row]:
        order = (HumanTask.due_at.desc(), HumanTask.id.desc()) if descending else (HumanTask.due_at, HumanTask.id)
        # (due_at, id) even where due_at is all NULL: the index's own order, so no backend adds a sort step.
        query = (select(*ROW_COLUMNS).join(HumanTask.instance).outerjoin(_CLAIMANT, HumanTask.claimed_by)
                 .where(*self.conditions, *extra).order_by(*order).limit(limit))
        return list(db.session.execute(query))

    def after(self, cursor: Cursor | None, limit: int) -> list[Row]:
        """Up to `limit` rows after the cursor (from the start without one), in the inbox's order."""
        rows: list[Row] = []
        if self.dated and (cursor is None or cursor.value is not None):
            # With a cursor, its bound alone: SQLite takes one lower bound per index and may pick IS NOT NULL.
            dated = HumanTask.due_at.is_not(None) if cursor is None else _later(cursor)
            rows = self._rows(dated, descending=False, limit=limit)
        if self.undated and len(rows) < limit:
            beyond = [HumanTask.id > cursor.id] if cursor is not None and cursor.value is None else []
            rows += self._rows(HumanTask.due_at.is_(None), *beyond, descending=False, limit=limit - len(rows))
        return rows

    def before(self, cursor: Cursor | None, limit: int) -> list[Row]:
        """Up to `limit` rows before the cursor (from the end without one), nearest first."""
        rows: list[Row] = []
        if self.undated and (cursor is None or cursor.value is None):
            beyond = [HumanTask.id < cursor.id] if cursor is not None else []
            rows = self._rows(HumanTask.due_at.is_(None), *beyond, descending=True, limit=limit)
        if self.dated and len(rows) < limit:
            beyond = [] if cursor is None or cursor.value is None else [_earlier(cursor)]
            rows += self._rows(HumanTask.due_at.is_not(None), *beyond, descending=True, limit=limit - len(rows))
        return rows

    def count_before(self, row: Row) -> int:
        """How many rows come before this one (an index range count, like the type counts)."""
        if row.due_at is None:  # every dated row, and the undated ones before it
            earlier, known = [HumanTask.due_at.is_(None), HumanTask.id < row.id], self.dated
        else:
            earlier, known = [HumanTask.due_at.is_not(None), _earlier(_cursor_of(row))], 0
        return known + (db.session.scalar(
            select(func.count()).select_from(HumanTask).where(*self.conditions, *earlier)) or 0)


# ---- a page -----------------------------------------------------------------------------------------------


def _parse(args: Mapping[str, str]) -> tuple[str | None, Cursor | None, Cursor | None, bool]:
    """The type and the cursors from the address; anything unreadable is dropped and reported."""
    bad = False
    task_type = args.get("type") or None
    # Longer than any title can be, or with a NUL (which PostgreSQL refuses in text): no type of this inbox.
    if task_type is not None and (len(task_type) > 200 or "\x00" in task_type or not task_type.strip()):
        task_type, bad = None, True
    after, before, bad_cursor = cursors_from(args)
    if bad or bad_cursor:
        return task_type, None, None, True
    return task_type, after, before, False


def inbox_page(user: User, args: Mapping[str, str] | None = None, *, size: int = PAGE_SIZE) -> InboxPage:
    """One page of the user's inbox as the address asks for it: `type` (a step title), and `after` or
    `before` (a cursor from a pager link). A link that cannot be read shows the first page and says so."""
    task_type, after, before, bad = _parse(args or {})
    types = type_counts(user)
    conditions = inbox_conditions(user)
    chosen = types
    if task_type is not None:
        conditions.append(HumanTask.title == task_type)
        chosen = [t for t in types if t.title == task_type]
    total = sum(t.count for t in chosen)
    page = InboxPage(rows=[], types=types, total=total, type=task_type, bad_link=bad,
                     args={"type": task_type} if task_type else {})
    if total == 0:
        return page

    undated = _undated(conditions)
    tasks = _List(conditions, total - undated, undated)
    rows: list[Row] = []
    came_back = False  # a page reached going back: the row its link came from is after it
    if before is not None:
        back = tasks.before(before, size + 1)
        if len(back) > size:  # a full page with more before it (else: the first page, full)
            rows, came_back = back[:size][::-1], True
    elif after is not None:
        rows = tasks.after(after, size + 1)
        if not rows:  # everything after the link was done meanwhile: show the last page
            rows = tasks.before(None, size)[::-1]
    first = not rows
    if first:  # the first page: asked for, the link was unreadable, or going back reached the start
        rows = tasks.after(None, size + 1)

    page.next = _cursor_of(rows[size - 1]) if len(rows) > size else _cursor_of(rows[-1]) if came_back else None
    page.rows = rows[:size]
    page.first_number = 1 if first or not page.rows else 1 + tasks.count_before(page.rows[0])
    page.previous = _cursor_of(page.rows[0]) if page.first_number > 1 else None
    return page
