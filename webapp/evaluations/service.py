"""Which spaces are evaluated in a given year, and in what order (Art. 18, R16).

The lifecycle diagram writes each space's next evaluation into `MakerSpace.next_evaluation_at`
(service task `schedule_evaluation`). The year's list is read from that column with one SQL query, and the
spaces already evaluated that year (their next date three years on) with a second one
(the space, its operator and recommending unit joined eagerly, and the `evaluation` case started for
that due date, if any, outer-joined); no workflow is deserialised. Revoked spaces and spaces that left the system are
not evaluated. Order (Art. 18, 依次安排): recognition date (China time; oldest first), then filing level
— national professional, national, regional — so spaces recognised the same day are ordered by level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import MakerSpace, ProcessInstance

EVALUATION_PROCESS = "evaluation"
NOT_EVALUATED = ("revoked", "left")
# Filing level by space status; every other status a space can be evaluated in is regional.
LEVELS = ("national_professional", "national", "regional")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years the page can be asked for


@dataclass(frozen=True)
class ScheduledEvaluation:
    space: MakerSpace
    case: ProcessInstance | None  # the evaluation case of this due date (running or ended), if it has started

    @property
    def level(self) -> str:
        return self.space.status if self.space.status in LEVELS else "regional"

    @property
    def recognised_on(self) -> date:
        return self.space.recognised_at.astimezone(CHINA).date()


def current_year() -> int:
    """This year in China time, by the app clock."""
    return clock.now().astimezone(CHINA).year


def evaluations_due(year: int) -> list[ScheduledEvaluation]:
    """The spaces whose next evaluation falls in `year` (China time), and those evaluated in it already, in the
    order they are evaluated (two statements)."""
    starts, ends = datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)
    # The evaluation case of this due date: started when it came due (or later), whether it still runs or
    # has ended (a space failed and under rectification keeps its due date until it passes again: it was
    # listed as not started).
    its_case = and_(ProcessInstance.subject_type == "space", ProcessInstance.subject_id == MakerSpace.id,
                    ProcessInstance.process_id == EVALUATION_PROCESS,
                    ProcessInstance.created_at >= MakerSpace.next_evaluation_at, ProcessInstance.status != "cancelled")
    rows = db.session.execute(
        select(MakerSpace, ProcessInstance)
        .outerjoin(ProcessInstance, its_case)
        .options(joinedload(MakerSpace.organisation), joinedload(MakerSpace.unit))
        .where(MakerSpace.next_evaluation_at >= starts, MakerSpace.next_evaluation_at < ends,
               MakerSpace.status.not_in(NOT_EVALUATED))
        .order_by(MakerSpace.recognised_at, MakerSpace.id, ProcessInstance.id)
    ).all()
    # One row per space (the diagram runs one evaluation at a time; should two run, the newest is shown).
    by_space = {space.id: ScheduledEvaluation(space, case) for space, case in rows}
    # A space already evaluated this year has its next due date three years on: it belongs on this year's
    # list all the same, with the case that evaluated it (a walk of the demo: it vanished from the list).
    done = db.session.execute(
        select(MakerSpace, ProcessInstance)
        .join(ProcessInstance, and_(ProcessInstance.subject_type == "space", ProcessInstance.subject_id == MakerSpace.id,
                                    ProcessInstance.process_id == EVALUATION_PROCESS,
                                    ProcessInstance.status == "completed"))
        .options(joinedload(MakerSpace.organisation), joinedload(MakerSpace.unit))
        .where(ProcessInstance.created_at >= starts, ProcessInstance.created_at < ends,
               MakerSpace.next_evaluation_at >= ends, MakerSpace.status.not_in(NOT_EVALUATED))
        .order_by(MakerSpace.id, ProcessInstance.id)
    ).all()
    for space, case in done:
        by_space.setdefault(space.id, ScheduledEvaluation(space, case))
    # The recognition *date* is a China calendar day, which SQL cannot take portably (SQLite/PostgreSQL);
    # the rows already come by recognition time, so this stable sort only orders each day by level.
    return sorted(by_space.values(), key=lambda e: (e.recognised_on, LEVELS.index(e.level)))
