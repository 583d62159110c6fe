"""What the scoring expert reads of the space beside the sheet: its half-year reports and change filings of the
period under evaluation (sheet item A3 asks whether reports came on time and changes were filed, Art. 17 and
R14), read-only. The period runs from the space's previous evaluation, or its recognition, to now: a report
that opened when this evaluation began reports on the period's last half year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.access import assigned_task_on_space
from webapp.extensions import db
from webapp.models import ChangeFiling, HumanTask, MakerSpace, ProcessInstance, Report, User

from .service import EVALUATION_PROCESS


@dataclass(frozen=True)
class SpaceRecords:
    space: MakerSpace
    since: datetime  # the previous evaluation's start, or the recognition
    reports: list[Report]
    changes: list[ChangeFiling]


def for_scoring(user: User, task: HumanTask) -> SpaceRecords | None:
    """The records the expert reads beside this step: None unless the step is open, assigned to this expert,
    and in a case about a space (the same rule lets it open each report, webapp/access.py)."""
    instance = task.instance
    if instance is None or instance.subject_type != "space":
        return None
    mine = assigned_task_on_space(user, instance.subject_id)
    if mine is None or task.assignee_id != user.id or task.status != "open":
        return None
    space = db.session.get(MakerSpace, instance.subject_id)
    since = _period_start(space, instance)
    reports = db.session.scalars(select(Report).where(Report.space_id == space.id, Report.opened_at > since)
                                 .order_by(Report.opened_at, Report.id)).all()
    changes = db.session.scalars(select(ChangeFiling).where(ChangeFiling.space_id == space.id, ChangeFiling.at > since)
                                 .order_by(ChangeFiling.at, ChangeFiling.id)).all()
    return SpaceRecords(space, since, list(reports), list(changes))


def _period_start(space: MakerSpace, instance: ProcessInstance) -> datetime:
    """When the previous evaluation of the space began (a review after rectification looks at the year since the
    failed one), else its recognition. A report that opened as that evaluation began reports on the half year
    before it, so the period starts after it."""
    previous = db.session.scalar(select(ProcessInstance.created_at).where(
        ProcessInstance.process_id == EVALUATION_PROCESS, ProcessInstance.subject_type == "space",
        ProcessInstance.subject_id == space.id, ProcessInstance.status != "cancelled",
        ProcessInstance.id != instance.id, ProcessInstance.created_at < instance.created_at)
        .order_by(ProcessInstance.created_at.desc(), ProcessInstance.id.desc()).limit(1))
    return previous or space.recognised_at
