"""Moving a moment a case waits for, when what it was worked out from changed after the fact.

A public notice's end is counted in working days when the notice opens (tasks/ put it in the case's data, e.g.
`notice_end`); the diagram's timer reads that variable (timeDate `notice_end`) and SpiffWorkflow keeps the
moment it read in the waiting task (internal data `event_value`), never reading the variable again. When staff
enter the year's holidays later, the notice is counted again (webapp/notices/holidays.py) and the case must
follow: here, not in the diagram, since nothing in the case happened — only the calendar changed.
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from webapp.models import ProcessInstance

from .runtime import Runtime
from .waits import as_datetime
from .walk import tasks_in


def _timers(spec) -> list[TimerEventDefinition]:
    """The timers a task spec waits on: its own, or an event-based gateway's (it holds its events' definitions)."""
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return [definition]
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)]
    return []


def _timer_variables(wf) -> set[str]:
    """The variables the case's diagram reads a timer's moment from (a timer whose expression is a plain name)."""
    specs = [wf.spec, *wf.subprocess_specs.values()]
    expressions = {(timer.expression or "").strip() for spec in specs for task_spec in spec.task_specs.values()
                   for timer in _timers(task_spec)}
    return {name for name in expressions if name.isidentifier()}


def _at(value, moment: datetime) -> bool:
    found = value if isinstance(value, datetime) else as_datetime(value)
    return found is not None and found.tzinfo is not None and found == moment


def _as_value_like(value, moment: datetime):
    return moment if isinstance(value, datetime) else moment.isoformat()


def move_moment(runtime: Runtime, instance: ProcessInstance, old: datetime, new: datetime) -> bool:
    """In a running case, every variable a timer of its diagram reads its moment from that holds `old` holds `new`
    — in each step not yet done, so a timer reached later (the notice resumed after a dismissed objection) reads
    the new moment — and every waiting timer set for `old` from such a variable waits for `new`. Saved through
    the runtime, so the timer index (`next_timer_at`), the current step and the task rows follow; the caller
    commits. False, with nothing written, when the case holds no such moment."""
    if instance.status != "running":
        return False
    wf = runtime.peek(instance)
    names = _timer_variables(wf)
    waiting = [task for task in tasks_in(wf, TaskState.WAITING) if _at(task._get_internal_data("event_value"), old)
               and any((timer.expression or "").strip() in names for timer in _timers(task.task_spec))]
    # The variables the waiting timers read: another timer's variable of the same moment (a deadline long past,
    # at the same midnight) stays. With none waiting (the notice held up by an objection), every one of them.
    read = {(timer.expression or "").strip() for task in waiting for timer in _timers(task.task_spec)} & names
    names = read or names
    changes: list = [(task, None) for task in waiting]  # (task, the variable, or None for the timer's moment)
    for task in tasks_in(wf, TaskState.NOT_FINISHED_MASK):
        changes += [(task, name) for name in names & task.data.keys() if _at(task.data[name], old)]
    if not changes:
        return False
    wf = runtime.load(instance)  # the same workflow peek read, now to change
    for task, name in changes:
        if name is None:
            task._set_internal_data(event_value=_as_value_like(task._get_internal_data("event_value"), new))
        else:
            task.data[name] = _as_value_like(task.data[name], new)
    runtime.save(instance, wf)
    return True
