"""A space's case of one process still under way: the page offers one at a time (a change filing, a national
filing), and a second start opens the one under way instead."""

from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, ProcessInstance


def running_case(process_id: str, space_id: int) -> ProcessInstance | None:
    """The space's running case of `process_id`, the oldest if (before the rule) there are several."""
    return db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == process_id, ProcessInstance.subject_type == "space",
        ProcessInstance.subject_id == space_id, ProcessInstance.status == "running").order_by(ProcessInstance.id)).first()


def first_open_step(instance_id: int) -> HumanTask | None:
    """The case's first open step, the one a page that starts or finds the case opens."""
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
                             .order_by(HumanTask.id))
