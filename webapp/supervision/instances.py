"""The instance list as a query service: filters, the viewer's scope, sort, keyset pagination.

It reads only indexed columns of `process_instance` (and, for the overdue and round filters, EXISTS/IN
subqueries on `human_task` and `application`); it never loads a serialised workflow. The same query, without
the page limit, is what the list's export holds, so a page and an export can never disagree.

Pagination is by keyset, not OFFSET: a page ends at a (sort value, id) pair and the next page starts after it,
so a deep page costs what the first does and a case created meanwhile neither repeats nor hides a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Row, Select, and_, false, or_, select

from forms.instance_list import FILTER_PARAMS, InstanceFilterForm
from webapp.access import instance_list_filter
from webapp.clock import clock
from webapp.extensions import db
from webapp.labels import N_
from webapp.models import (
    Application,
    ApplicationRound,
    AuditEvent,
    DefinitionBundle,
    HumanTask,
    Organisation,
    ProcessInstance,
    Unit,
    User,
)
from webapp.models.recognition import day_start
from webapp.paging import Cursor

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list[Row]  # of LISTED
    next: Cursor | None = None  # give as after=… for the next page
    previous: Cursor | None = None  # give as before=… for the previous page
    size: int = PAGE_SIZE  # the most rows a page holds


@dataclass
class Filters:
    """A validated filter, as the query needs it."""

    name: str = ""
    procedure: str = ""
    version: int | None = None
    step: str = ""
    status: str = ""
    unit: int | None = None
    round: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool = False
    sort: str = "created"
    order: str = "desc"
    query_string: str = ""  # the filter as GET parameters (defaults left out), for links and saving
    args: dict = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: InstanceFilterForm) -> Filters:
        values = {name: getattr(form, name).data for name in FILTER_PARAMS}
        values["step"] = (values["step"] or "").strip()
        values["name"] = (values["name"] or "").strip()
        values["overdue"] = bool(values["overdue"])
        args = {name: _as_param(value) for name, value in values.items()
                if value not in (None, "", False) and not (name == "sort" and value == "created")
                and not (name == "order" and value == "desc")}
        return cls(**values, query_string=urlencode(args), args=args)


def _as_param(value) -> str:
    if value is True:
        return "y"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def filter_form(user: User, formdata) -> InstanceFilterForm:
    """The filter form with the choices this user may pick from (the small tables only: bundles, units,
    rounds; never the instance table)."""
    bundles = db.session.scalars(select(DefinitionBundle).order_by(DefinitionBundle.version)).all()
    process_ids = sorted({pid for bundle in bundles for pid in bundle.process_ids or []})
    # The name the diagram gives each process, as one of its cases recorded it: one statement, one indexed row
    # per process (a scalar sub-query each).
    found = db.session.execute(select(*(
        select(ProcessInstance.process_name).where(ProcessInstance.process_id == pid).limit(1).scalar_subquery()
        for pid in process_ids))).one() if process_ids else ()
    names = dict(zip(process_ids, found, strict=True))
    for pid in [pid for pid in process_ids if not names.get(pid)]:  # no case of it yet: the diagram's own name
        names[pid] = _diagram_name(bundles, pid)
    units = select(Unit.id, Unit.name).order_by(Unit.id)
    if user.role == "recommender":
        units = units.where(Unit.id == user.unit_id)  # a recommender sees only its own unit's cases
    rounds = select(ApplicationRound.id, ApplicationRound.title).order_by(ApplicationRound.opens_at.desc())
    return InstanceFilterForm(
        formdata,
        processes=[(pid, names.get(pid) or pid) for pid in process_ids],
        versions=[bundle.version for bundle in bundles],
        units=[tuple(row) for row in db.session.execute(units)],
        rounds=[tuple(row) for row in db.session.execute(rounds)],
    )


def _diagram_name(bundles: list[DefinitionBundle], process_id: str) -> str:
    """The name the newest version that defines `process_id` gives it (parsed once per process and cached)."""
    from webapp.engine.definitions import parsed_bundle

    for bundle in reversed(bundles):  # newest first
        if process_id in (bundle.process_ids or []):
            spec, _ = parsed_bundle(bundle).specs[process_id]
            return spec.description or process_id
    return process_id


def _conditions(user: User, filters: Filters) -> list[ColumnElement]:
    conditions: list[ColumnElement] = [instance_list_filter(user)]
    if filters.procedure:
        conditions.append(ProcessInstance.process_id == filters.procedure)
    if filters.version is not None:
        bundle_id = db.session.scalar(select(DefinitionBundle.id).where(DefinitionBundle.version == filters.version))
        conditions.append(ProcessInstance.bundle_id == bundle_id if bundle_id is not None else false())
    if filters.step:
        conditions.append(_containing(ProcessInstance.current_step, filters.step))
    if filters.name:
        # The case's own title (the space or application name, copied onto it), or its organisation's name:
        # an IN set of the few organisations that match, built once.
        conditions.append(or_(_containing(ProcessInstance.subject_title, filters.name),
                              ProcessInstance.organisation_id.in_(select(Organisation.id).where(
                                  _containing(Organisation.name, filters.name)))))
    if filters.status:
        conditions.append(ProcessInstance.status == filters.status)
    if filters.unit is not None:
        conditions.append(ProcessInstance.unit_id == filters.unit)
    if filters.round is not None:
        # A round holds applications; their cases are the recognition cases whose subject they are.
        conditions.append(and_(ProcessInstance.subject_type == "application", ProcessInstance.subject_id.in_(
            select(Application.id).where(Application.round_id == filters.round))))
    if filters.created_from:
        conditions.append(ProcessInstance.created_at >= day_start(filters.created_from))
    if filters.created_to:  # the whole last day, in China time
        conditions.append(ProcessInstance.created_at < day_start(filters.created_to + timedelta(days=1)))
    if filters.overdue:
        # IN, not a correlated EXISTS: SQLite answered EXISTS through the (status, due_at) index once per
        # case — minutes at 100,000 cases (measured with the benchmark of the time, now scripts/bench); the IN set is built once.
        conditions.append(ProcessInstance.id.in_(select(HumanTask.instance_id).where(
            HumanTask.status == "open", HumanTask.due_at.is_not(None), HumanTask.due_at < clock.now())))
    return conditions


def _containing(column, text: str) -> ColumnElement:
    """`column` contains `text` as typed (LIKE's own characters escaped); never a NUL, which no stored text holds
    and PostgreSQL refuses."""
    if "\x00" in text:
        return false()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _sort_column(filters: Filters):
    return ProcessInstance.updated_at if filters.sort == "updated" else ProcessInstance.created_at


# What a row of the list (and of its export) shows, read as plain columns: building ORM objects for a page
# of 50 cases cost twice what the query did. The version comes from a sub-query per row (a primary-key
# lookup): a join could turn the plan around and sort the whole table.
LISTED = (ProcessInstance.id, ProcessInstance.process_id, ProcessInstance.process_name, ProcessInstance.subject_type,
          ProcessInstance.subject_id, ProcessInstance.subject_title, ProcessInstance.organisation_id,
          ProcessInstance.unit_id, ProcessInstance.status, ProcessInstance.current_step, ProcessInstance.next_timer_at,
          ProcessInstance.created_at, ProcessInstance.updated_at,
          select(DefinitionBundle.version).where(DefinitionBundle.id == ProcessInstance.bundle_id)
          .scalar_subquery().label("version"))


def filtered_query(user: User, filters: Filters, *, descending: bool | None = None) -> Select:
    """Every case of the filter the user may see, in the list's order (or its reverse): rows of LISTED."""
    column = _sort_column(filters)
    if descending is None:
        descending = filters.order == "desc"
    order = (column.desc(), ProcessInstance.id.desc()) if descending else (column.asc(), ProcessInstance.id.asc())
    return select(*LISTED).where(*_conditions(user, filters)).order_by(*order)


def _beyond(filters: Filters, cursor: Cursor, descending: bool) -> ColumnElement:
    """Rows strictly after the cursor in the given direction: a range on the sort column (<= or >=), the tie
    broken by id, so the (sort, id) index scan starts at the cursor on every backend. (Spelt as "a < v OR
    (a = v AND id < i)" SQLite scanned the index from the start and filtered: page n cost n pages.)"""
    column = _sort_column(filters)
    if descending:
        return and_(column <= cursor.value, or_(column < cursor.value, ProcessInstance.id < cursor.id))
    return and_(column >= cursor.value, or_(column > cursor.value, ProcessInstance.id > cursor.id))


def _cursor(filters: Filters, row: Row) -> Cursor:
    return Cursor(row.updated_at if filters.sort == "updated" else row.created_at, row.id)


def page(user: User, filters: Filters, *, after: Cursor | None = None, before: Cursor | None = None,
         size: int = PAGE_SIZE) -> Page:
    """One page: after a cursor (forward), before one (backward), or the first. Going back to the start
    shows the first page whole, and a page after the last row (its cases left the filter meanwhile) the last
    one, so a page is never short or empty while the list is not."""
    descending = filters.order == "desc"

    def walk(cursor: Cursor | None, forward: bool, limit: int) -> list[Row]:
        direction = descending if forward else not descending
        query = filtered_query(user, filters, descending=direction)
        if cursor is not None:
            query = query.where(_beyond(filters, cursor, direction))
        return list(db.session.execute(query.limit(limit)))

    rows: list[Row] = []
    came_back = False  # a page reached going back: the row its link came from is after it
    if before is not None:
        back = walk(before, False, size + 1)
        if len(back) > size:  # a full page with more before it
            rows, came_back = back[:size][::-1], True
    elif after is not None:
        rows = walk(after, True, size + 1)
        if not rows:
            rows = walk(None, False, size)[::-1]
    first = not rows
    if first:
        rows = walk(None, True, size + 1)
    more_after = len(rows) > size or came_back
    rows = rows[:size]
    more_before = bool(rows) and not first and bool(walk(_cursor(filters, rows[0]), False, 1))
    return Page(rows, next=_cursor(filters, rows[-1]) if more_after else None,
                previous=_cursor(filters, rows[0]) if more_before else None, size=size)


def export_rows(user: User, filters: Filters, limit: int) -> list[Row] | None:
    """Every row of the filtered list, all pages, in its order; None when there are more than `limit`."""
    rows = list(db.session.execute(filtered_query(user, filters).limit(limit + 1)))
    return None if len(rows) > limit else rows


def unit_names(form: InstanceFilterForm) -> dict[int, str]:
    """The units the rows may name, from the filter's choices: they hold every unit whose cases the viewer's
    list can show (all of them, or a recommender's own), so the page needs no query of its own for them."""
    return {unit_id: name for unit_id, name in form.unit.choices if unit_id is not None}


def overdue_ids(rows: list[Row]) -> set[int]:
    """Which of these cases have open work past its due date (one indexed query for the whole page)."""
    ids = [row.id for row in rows]
    if not ids:
        return set()
    # The page's open tasks by (instance_id, status), compared with the clock here: given "due_at < now" as
    # well, SQLite without statistics walked every overdue task of the database instead.
    now = clock.now()
    return {instance_id for instance_id, due_at in db.session.execute(select(HumanTask.instance_id, HumanTask.due_at)
            .where(HumanTask.instance_id.in_(ids), HumanTask.status == "open")) if due_at is not None and due_at < now}


# The status a case withdrawn by its applicant or operator shows instead of "cancelled" (a case the system ended:
# a space revoked or gone, a credit listing): msgids, translated where shown.
WITHDRAWN = N_("withdrawn")
NEVER_HANDED_IN = N_("withdrawn (never handed in)")


def withdrawn_statuses(cases) -> dict[int, str]:
    """Of these cases (rows or instances: id, status), those their applicant or operator withdrew, with the status
    to show: "withdrawn (never handed in)" when no step of the case was ever completed (a change filing or an
    application given up before it was sent: nobody else ever had it to handle), else "withdrawn". One indexed
    query for a whole page, none when no case on it was cancelled."""
    ids = [case.id for case in cases if case.status == "cancelled"]
    if not ids:
        return {}
    seen: dict[int, set[str]] = {}
    for instance_id, action in db.session.execute(select(AuditEvent.instance_id, AuditEvent.action).where(
            AuditEvent.instance_id.in_(ids), AuditEvent.action.in_(("withdrawn", "completed")))):
        seen.setdefault(instance_id, set()).add(action)
    return {instance_id: WITHDRAWN if "completed" in actions else NEVER_HANDED_IN
            for instance_id, actions in seen.items() if "withdrawn" in actions}
