"""The dashboard's numbers (issue 8 item 3), each one SQL query over indexed rows: human-task rows, instance
rows, applications and evaluations. No workflow is deserialised, so the page costs the same with 100 cases
as with 100,000 (the aggregation happens in the database; only the groups come back).

A recommender's dashboard is scoped to its unit: every query takes the scope as a WHERE condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, cast, extract, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import (
    Application,
    ApplicationRound,
    Evaluation,
    HumanTask,
    MakerSpace,
    ProcessInstance,
    PublicNotice,
    Unit,
    User,
)

# "公示中（至 2026-12-08）" and "公示中（至 2027-01-05）" are the same step: group without the date.
_UNTIL = re.compile(r"（至 [^）]*）")
SCORE_BANDS = ((None, 60, "<60"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 90, "80–90"), (90, None, "≥90"))
GRADE_ORDER = ("excellent", "good", "pass", "fail")
UNDER_NOTICE = "under_notice"  # a result published for its notice period, not yet in effect (grades_per_year)


@dataclass(frozen=True)
class Scope:
    """Whose cases the dashboard counts: everything, or one recommending unit's."""

    unit_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Scope:
        return cls(user.unit_id if user.role == "recommender" else None)

    def instances(self):
        return true() if self.unit_id is None else ProcessInstance.unit_id == self.unit_id

    def tasks(self):
        return true() if self.unit_id is None else HumanTask.unit_id == self.unit_id

    def applications(self):
        return true() if self.unit_id is None else Application.unit_id == self.unit_id

    def spaces(self):
        return true() if self.unit_id is None else MakerSpace.unit_id == self.unit_id


def cases_per_step(scope: Scope) -> list[tuple[str, str, int]]:
    """(procedure, step, running cases): from the current step kept on each instance row (open steps, then
    what the case waits for), one group per step with the waits' dates left out."""
    rows = db.session.execute(
        select(ProcessInstance.process_name, ProcessInstance.current_step, func.count(ProcessInstance.id))
        .where(ProcessInstance.status == "running", scope.instances())
        .group_by(ProcessInstance.process_name, ProcessInstance.current_step)
    ).all()
    merged: dict[tuple[str, str], int] = {}
    for process, current, count in rows:
        # A case at two steps at once (a report period and an evaluation) counts at each: the runtime joins
        # them with "、" (webapp/engine/task_rows.py).
        for step in dict.fromkeys(_UNTIL.sub("", part) for part in (current or "—").split("、")):
            key = (process or "", step or "—")
            merged[key] = merged.get(key, 0) + count
    return sorted(((p, s, n) for (p, s), n in merged.items()), key=lambda r: (-r[2], r[0], r[1]))


def cases_per_unit(scope: Scope) -> list[tuple[str, dict[str, int]]]:
    """(recommending unit, {status: cases})."""
    rows = db.session.execute(
        select(Unit.name, ProcessInstance.status, func.count(ProcessInstance.id))
        .join(Unit, Unit.id == ProcessInstance.unit_id)
        .where(scope.instances())
        .group_by(Unit.name, ProcessInstance.status).order_by(Unit.name)
    ).all()
    units: dict[str, dict[str, int]] = {}
    for name, status, count in rows:
        units.setdefault(name, {})[status] = count
    return list(units.items())


@dataclass(frozen=True)
class StepTime:
    process: str
    step: str
    lane: str
    done: int
    median_days: float
    slowest_days: float
    slowest_instance_id: int


def _duration_days():
    """completed_at − created_at in days, in the database's own arithmetic."""
    if db.engine.dialect.name == "sqlite":
        return func.julianday(HumanTask.completed_at) - func.julianday(HumanTask.created_at)
    return cast(extract("epoch", HumanTask.completed_at - HumanTask.created_at), Float) / 86400.0


def time_per_step(scope: Scope) -> list[StepTime]:
    """Median and slowest time from a step's opening to its completion, per procedure and step, computed in
    SQL with window functions (SQLite ≥ 3.25 and PostgreSQL alike)."""
    duration = _duration_days().label("days")
    part = (ProcessInstance.process_name, HumanTask.task_spec)
    done = (
        select(
            ProcessInstance.process_name.label("process"), HumanTask.task_spec.label("spec"),
            HumanTask.title.label("title"), HumanTask.lane.label("lane"), HumanTask.instance_id.label("instance_id"),
            duration,
            func.row_number().over(partition_by=part, order_by=duration).label("rn"),
            func.count().over(partition_by=part).label("n"),
            func.row_number().over(partition_by=part, order_by=(duration.desc(), HumanTask.id)).label("slow_rank"),
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.status == "completed", HumanTask.completed_at.is_not(None), scope.tasks())
        .subquery()
    )
    middle = done.c.rn.in_([(done.c.n + 1) / 2, (done.c.n + 2) / 2])  # integer division: one or two middle rows
    rows = db.session.execute(
        select(
            done.c.process, done.c.spec, func.max(done.c.title), func.max(done.c.lane), done.c.n,
            func.avg(case((middle, done.c.days))), func.max(done.c.days),
            func.max(case((done.c.slow_rank == 1, done.c.instance_id))),
        )
        .group_by(done.c.process, done.c.spec, done.c.n)
        .order_by(func.max(done.c.days).desc())
    ).all()
    return [StepTime(process or "", title or spec, lane or "", int(n), round(float(median or 0), 1),
                     round(float(slowest or 0), 1), int(slow_id))
            for process, spec, title, lane, n, median, slowest, slow_id in rows]


@dataclass(frozen=True)
class Overdue:
    lane: str
    open: int
    overdue: int
    oldest_due: datetime | None


def overdue_by_role(scope: Scope, now: datetime | None = None) -> list[Overdue]:
    now = now or clock.now()
    late = and_(HumanTask.due_at.is_not(None), HumanTask.due_at < now)
    rows = db.session.execute(
        select(HumanTask.lane, func.count(HumanTask.id), func.sum(case((late, 1), else_=0)),
               func.min(case((late, HumanTask.due_at))))
        .where(HumanTask.status == "open", scope.tasks())
        .group_by(HumanTask.lane).order_by(HumanTask.lane)
    ).all()
    return [Overdue(lane, int(n), int(late_n or 0), _aware(oldest)) for lane, n, late_n, oldest in rows]


def _aware(value) -> datetime | None:
    """Aggregates (MIN over a CASE) come back without the column type: SQLite gives text, naive UTC."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or ZoneInfo("UTC")) if value else None
    return datetime.fromisoformat(str(value)).replace(tzinfo=ZoneInfo("UTC"))


def _band(column):
    whens = []
    for low, high, label in SCORE_BANDS:
        condition = true()
        if low is not None:
            condition = and_(condition, column >= low)
        if high is not None:
            condition = and_(condition, column < high)
        whens.append((condition, literal(label)))
    return case(*whens)


@dataclass
class Distribution:
    """Counts per band (or grade) for one group (a round, an evaluation year), with the average."""

    group: str
    counts: dict[str, int]
    average: float | None
    total: int


def scores_per_round(scope: Scope) -> list[Distribution]:
    """The panel scores of each application round's applications, in bands."""
    band = _band(Application.panel_score).label("band")
    rows = db.session.execute(
        select(ApplicationRound.id, ApplicationRound.title, band, func.count(Application.id),
               func.sum(Application.panel_score), func.count(Application.panel_score))
        .join(ApplicationRound, ApplicationRound.id == Application.round_id)
        .where(Application.panel_score.is_not(None), scope.applications())
        .group_by(ApplicationRound.id, ApplicationRound.title, band).order_by(ApplicationRound.id)
    ).all()
    return _distributions(((title, b, n, total, scored) for _, title, b, n, total, scored in rows), [b[2] for b in SCORE_BANDS])


def grades_per_year(scope: Scope, now: datetime | None = None) -> list[Distribution]:
    """Evaluation results (withdrawn ones left out) per year, China time: grade counts and the average score.

    A result takes effect when its public notice (公示) ends without a sustained objection. While the notice
    runs — from its publication through its last day, the period ending at the next midnight (China time), as
    the portal and the notice list read it (PublicNotice.state) — the result is counted apart, as UNDER_NOTICE,
    and is not in the average; from the end instant on, under its grade (its case may still wait on, for the
    sweeper or an objection's decision: the notice, not the case, says what the public is told). A result whose
    notice was withdrawn (an objection upheld, the space gone during the notice) or whose case was cancelled
    never took effect and is left out. A result without a notice (recorded before results had one) counts."""
    now = now or clock.now()
    notice = _result_notice()
    running = and_(notice.id.is_not(None), notice.starts_at <= now,
                   or_(notice.ends_at.is_(None), notice.ends_at > now))
    year = _china_year(Evaluation.at).label("year")
    key = case((running, literal(UNDER_NOTICE)), else_=Evaluation.grade).label("grade")
    rows = db.session.execute(
        select(year, key, func.count(Evaluation.id), func.sum(Evaluation.score), func.count(Evaluation.score))
        .join(MakerSpace, MakerSpace.id == Evaluation.space_id)
        .outerjoin(ProcessInstance, ProcessInstance.id == Evaluation.instance_id)
        .outerjoin(notice, notice.id == _notice_of_result())
        .where(Evaluation.withdrawn.is_(False), scope.spaces(), notice.withdrawn_at.is_(None),
               or_(ProcessInstance.id.is_(None), ProcessInstance.status != "cancelled"))
        .group_by(year, key).order_by(year)
    ).all()
    return _distributions(((str(int(y)), g, n, *((0, 0) if g == UNDER_NOTICE else (total, scored)))
                           for y, g, n, total, scored in rows), [*GRADE_ORDER, UNDER_NOTICE])


def _result_notice():
    return aliased(PublicNotice, name="result_notice")


def _notice_of_result():
    """The id of the public notice a result was published with: its case's newest notice on the space published
    by then (publish_evaluation_result writes both at once; a case whose first result was withdrawn publishes
    again, with a notice of its own). As the result's PDF finds it (webapp/exports/results.py)."""
    other = aliased(PublicNotice)
    return (select(other.id).where(other.instance_id == Evaluation.instance_id, other.subject_type == "space",
                                   other.subject_id == Evaluation.space_id, other.starts_at <= Evaluation.at)
            .order_by(other.starts_at.desc(), other.id.desc()).limit(1).correlate(Evaluation).scalar_subquery())


def scores_per_year(scope: Scope) -> list[Distribution]:
    year = _china_year(Evaluation.at).label("year")
    band = _band(Evaluation.score).label("band")
    rows = db.session.execute(
        select(year, band, func.count(Evaluation.id), func.sum(Evaluation.score), func.count(Evaluation.score))
        .join(MakerSpace, MakerSpace.id == Evaluation.space_id)
        .where(Evaluation.withdrawn.is_(False), Evaluation.score.is_not(None), scope.spaces())
        .group_by(year, band).order_by(year)
    ).all()
    return _distributions(((str(int(y)), b, n, total, scored) for y, b, n, total, scored in rows), [b[2] for b in SCORE_BANDS])


def _china_year(column):
    """The calendar year in China time (UTC+8 all year: no daylight saving)."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%Y", func.datetime(column, "+8 hours")), Float)
    return extract("year", func.timezone(CHINA.key, column))


def _distributions(rows, keys: list[str]) -> list[Distribution]:
    """Rows of (group, band or grade, count, sum of scores, number of scores) as one Distribution per group;
    the average is over the rows that have a score (a lapsed self-assessment is graded without one)."""
    groups: dict[str, Distribution] = {}
    sums: dict[str, tuple[float, int]] = {}
    for group, key, count, score_sum, scored in rows:
        dist = groups.setdefault(group, Distribution(group, dict.fromkeys(keys, 0), None, 0))
        dist.counts[key] = dist.counts.get(key, 0) + int(count)
        dist.total += int(count)
        total, n = sums.get(group, (0.0, 0))
        sums[group] = (total + float(score_sum or 0), n + int(scored or 0))
    for group, dist in groups.items():
        total, n = sums[group]
        dist.average = round(total / n, 2) if n else None
    return list(groups.values())
