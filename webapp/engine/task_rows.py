"""Keep one human_task row per waiting user task, so inboxes never deserialise a workflow."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import HumanTask, ProcessInstance, User

from .sandbox import duration_delta, render_text
from .sentences import sentences
from .walk import tasks_in


class AssignmentError(Exception):
    """A diagram named an assignee that may not do the task."""


def _due_at(task, expression: str | None) -> datetime | None:
    """When the task is due: the diagram's `dueDate` property if it has one (an expression giving an ISO
    datetime), else the earliest interrupting timer on the task (or on the MI activity holding it) —
    a non-interrupting timer is a reminder, not a deadline."""
    from .runtime import _as_datetime

    if expression:
        return _as_datetime(task.workflow.script_engine.evaluate(task, expression))
    node, due = task, []
    for _ in range(3):  # task -> (multi-instance parent) -> boundary-event split
        parent = node.parent
        if parent is None:
            break
        for sibling in parent.children:
            definition = getattr(sibling.task_spec, "event_definition", None)
            if (sibling is not node and isinstance(definition, TimerEventDefinition)
                    and getattr(sibling.task_spec, "cancel_activity", True) and sibling.state == TaskState.WAITING):
                when = _as_datetime(sibling._get_internal_data("event_value"))
                if when:
                    due.append(when)
        node = parent
    return min(due) if due else None


def _remind_at(due_at: datetime | None, before: str | None) -> datetime | None:
    """The diagram's `remindBefore` (an ISO duration such as P3D) before the deadline."""
    if due_at is None or not before:
        return None
    try:
        back = duration_delta(before, due_at)  # a duration of absurd length is refused, not counted month by month
    except Exception:
        return None
    return due_at - back


def _assignee(task, expression: str | None) -> int | None:
    if not expression:
        return None
    value = task.workflow.script_engine.evaluate(task, expression)
    return int(value) if value not in (None, "") else None


def sync_human_tasks(instance: ProcessInstance, wf, pending=()) -> tuple[list[HumanTask], list[HumanTask]]:
    """Insert rows for newly READY user tasks; close rows whose task is gone. Returns the new rows and all
    rows open now."""
    from .runtime import lane_role, task_properties

    ready = {} if instance.status != "running" else {
        str(t.id): t for t in tasks_in(wf, TaskState.READY, manual=True)
    }
    # One query: the case's open rows, and the closed rows of tasks that are ready again (below).
    # The runtime saves without autoflush (one UPDATE of the case): a row completed in this unit of work is
    # still open in the database, so the status that counts is the one in memory.
    rows = list(db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id,
        or_(HumanTask.status == "open", HumanTask.task_guid.in_(list(ready))) if ready else HumanTask.status == "open")))
    open_rows = {row.task_guid: row for row in rows if row.status == "open"}
    now = clock.now()
    for guid, row in open_rows.items():
        if guid not in ready:
            row.status = "cancelled"  # interrupted by a boundary event, a message or revocation
            row.completed_at = now
    created, because = [], {}
    # A task the engine reset (sent back, withdrawn: webapp/engine/office.py) is READY again under its old id,
    # so its closed row is reopened rather than duplicated (task_guid is unique).
    closed_rows = {row.task_guid: row for row in rows if row.status != "open"}
    for guid, task in ready.items():
        if guid in open_rows:
            continue
        spec = task.task_spec
        props = task_properties(spec)
        role = lane_role(spec.lane) or "torch_center"
        assignee_id = _assignee(task, props.get("assignee"))
        if assignee_id is not None:
            _check_assignee(instance, role, assignee_id)
        due_at = _due_at(task, props.get("dueDate"))
        row = closed_rows.get(guid) or HumanTask(instance_id=instance.id, task_guid=guid)
        row.task_spec = spec.bpmn_id or spec.name
        row.title = spec.bpmn_name or spec.name
        row.lane = role
        row.form_key = props.get("formKey", "")
        row.organisation_id = instance.organisation_id
        row.unit_id = instance.unit_id
        row.assignee_id = assignee_id
        row.due_at = due_at
        row.remind_at = _remind_at(due_at, props.get("remindBefore"))
        row.status = "open"
        row.created_at = now
        row.completed_at = row.completed_by_id = row.claimed_by_id = row.claimed_at = None
        db.session.add(row)
        created.append(row)
        from .office import note_text

        because[id(row)] = sentences(note_text(task.data, guid),
                                     render_text(props.get("openedBecause"), task.data, strict=True))
    # The open steps people work on, then what the case waits for and until when (e.g. 公示中（至 …）).
    from .waits import step_labels

    titles = sorted({t.task_spec.bpmn_name or t.task_spec.name for t in ready.values()})
    instance.current_step = "、".join(dict.fromkeys([*titles, *step_labels(list(pending))]))[:200]
    if created:
        db.session.flush()
        from .services import tasks_opened

        tasks_opened.opened(created, {row.id: because.get(id(row), "") for row in created})
    return created, [row for guid, row in open_rows.items() if guid in ready] + created


def _check_assignee(instance: ProcessInstance, role: str, user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.role != role or not user.active:
        raise AssignmentError(f"user {user_id} cannot take a {role} task")
    if role == "expert" and instance.organisation_id and user.has_conflict_with(
        instance.organisation_id, instance.unit_id
    ):
        raise AssignmentError(f"expert {user_id} has a conflict of interest")
