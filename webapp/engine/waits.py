"""What a case waits for besides people: timers and messages, read from the diagram's waiting events.

Used for the sweeper's index (`process_instance.next_timer_at`) and for the case's current step as people
read it — e.g. 公示中（至 2026-12-08）, 整改期（至 2028-05-31） — the waiting event's name and due date,
so a designer who renames or adds a wait changes what people see without a Python change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from webapp.clock import CHINA

from .walk import tasks_in


@dataclass(frozen=True)
class Wait:
    name: str
    due: datetime | None  # None: a message, which comes when it comes
    shown: bool  # boundary events are a task's deadline or reminder, not a step of the case
    element: str = ""  # the waiting event's id in the diagram (the case page marks it)

    @property
    def label(self) -> str:
        if self.due is None:
            return self.name
        from .sandbox import last_day

        return f"{self.name}（至 {last_day(self.due.isoformat())}）"


def as_datetime(value) -> datetime | None:
    if isinstance(value, dict):  # cycle timers
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None


def _timer_due(task, timer: TimerEventDefinition) -> datetime | None:
    value = task._get_internal_data("event_value")
    if value is None:
        timer.has_fired(task)  # evaluates the expression once and stores it, as the engine itself does
        value = task._get_internal_data("event_value")
    return as_datetime(value)


def waits(wf) -> list[Wait]:
    """Every timer and message the workflow waits for, earliest first (messages last)."""
    found: list[Wait] = []
    for task in tasks_in(wf, TaskState.WAITING):
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        shown = not isinstance(spec, BoundaryEvent)
        name = spec.bpmn_name or ""
        if isinstance(definition, TimerEventDefinition):
            found.append(Wait(name, _timer_due(task, definition), shown, spec.bpmn_id or ""))
        elif isinstance(definition, MessageEventDefinition):
            found.append(Wait(name, None, shown, spec.bpmn_id or ""))
        elif isinstance(definition, MultipleEventDefinition):
            # An event-based gateway: it keeps its events' definitions; its children carry the names.
            for index, inner in enumerate(definition.event_definitions):
                child = task.children[index] if index < len(task.children) else None
                inner_name = (child.task_spec.bpmn_name if child is not None else None) or name
                if isinstance(inner, TimerEventDefinition):
                    element = (child.task_spec.bpmn_id if child is not None else None) or spec.bpmn_id or ""
                    found.append(Wait(inner_name, _timer_due(task, inner), shown, element))
    return sorted(found, key=lambda w: (w.due is None, w.due or datetime.max.replace(tzinfo=CHINA)))


def next_timer(found: list[Wait]) -> datetime | None:
    due = [w.due for w in found if w.due is not None]
    return min(due) if due else None


def step_labels(found: list[Wait]) -> list[str]:
    return [w.label for w in found if w.shown and w.name]
