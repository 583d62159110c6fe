"""Where one case stands on its diagram: the state of each element, the timers it waits for, its step.

Read from the case's stored engine state, for the case page only (one workflow deserialised per page view;
lists and dashboards read indexed rows instead). Nothing here changes or saves the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.util.task import TaskState

from webapp.engine.definitions import parse_xml_safely
from webapp.engine.waits import Wait, step_labels, waits
from webapp.models import DefinitionBundle, ProcessInstance

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# What a reader sees first wins: an element that ran in an earlier loop and is open again is "current".
PRECEDENCE = ("current", "waiting", "completed", "cancelled")


@dataclass(frozen=True)
class PendingTimer:
    element: str
    name: str
    label: str  # as the case's step reads it: 公示中（至 2026-12-08）
    due: datetime
    boundary: bool  # a step's deadline (boundary event) rather than a step of the case


@dataclass
class CaseState:
    """What the case page draws and lists."""

    elements: dict[str, str] = field(default_factory=dict)  # diagram element id -> current|waiting|completed|cancelled
    timers: list[PendingTimer] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # the current step as people read it, never empty while running
    messages: list[str] = field(default_factory=list)  # the messages it waits for (an objection, a report…)

    def marks(self) -> dict[str, list[str]]:
        """Element ids by state, for the page's script."""
        found: dict[str, list[str]] = {state: [] for state in PRECEDENCE}
        for element, state in sorted(self.elements.items()):
            found[state].append(element)
        return found


def _note(elements: dict[str, str], element: str | None, state: str) -> None:
    if not element:
        return  # the engine's own tasks (start, end, boundary splits) are not drawn
    known = elements.get(element)
    if known is None or PRECEDENCE.index(state) < PRECEDENCE.index(known):
        elements[element] = state


def _is_activity(spec) -> bool:
    # A cancelled event only means it did not fire (a deadline met, a branch not taken): not worth a mark.
    return not isinstance(spec, CatchingEvent) and "Gateway" not in type(spec).__name__


def case_state(instance: ProcessInstance) -> CaseState:
    from webapp.engine.runtime import restore

    wf = restore(instance)
    return state_of(wf, running=instance.status == "running")


def state_of(wf, running: bool = True) -> CaseState:
    state = CaseState()
    for task in wf.get_tasks():
        spec = task.task_spec
        element = getattr(spec, "bpmn_id", None)
        if task.state == TaskState.READY and spec.manual or task.state == TaskState.STARTED:
            _note(state.elements, element, "current")
        elif task.state == TaskState.WAITING and isinstance(spec, CatchingEvent):
            _note(state.elements, element, "waiting")
            if isinstance(getattr(spec, "event_definition", None), MultipleEventDefinition):
                for child in task.children:  # an event-based gateway waits on each of its events
                    _note(state.elements, getattr(child.task_spec, "bpmn_id", None), "waiting")
        elif task.state == TaskState.COMPLETED:
            _note(state.elements, element, "completed")
        elif task.state == TaskState.CANCELLED and _is_activity(spec):
            _note(state.elements, element, "cancelled")
    from webapp.engine.pruning import history_marks

    for element, mark in history_marks(wf).items():  # what ran in rounds cut from the tree on save
        _note(state.elements, element, mark)
    pending: list[Wait] = waits(wf) if running else []
    for wait in pending:
        if wait.element:
            _note(state.elements, wait.element, "waiting")
        if wait.due is not None:
            boundary = not wait.shown
            state.timers.append(PendingTimer(wait.element, wait.name, wait.label, wait.due, boundary))
        elif wait.name:
            state.messages.append(wait.name)
    if running:
        open_steps = sorted({t.task_spec.bpmn_name or t.task_spec.name
                             for t in wf.get_tasks(state=TaskState.READY, manual=True)})
        state.steps = list(dict.fromkeys([*open_steps, *step_labels(pending)]))
        if not state.steps:  # e.g. waiting only for a message: say what it waits for
            state.steps = [w.name for w in pending if w.name]
    return state


def diagram_file(bundle: DefinitionBundle, process_id: str) -> str | None:
    """The name of the bundle's .bpmn file that defines the process (a file may hold several pools)."""
    for name, text in sorted(bundle.files.items()):
        if not name.endswith(".bpmn"):
            continue
        root = parse_xml_safely(name, text)
        if root.find(f"{{{BPMN_NS}}}process[@id='{process_id}']") is not None:
            return name
    return None


def participant_of(bundle: DefinitionBundle, name: str, process_id: str) -> str | None:
    """The pool drawing the process, so the page can centre on it when the file holds several."""
    root = parse_xml_safely(name, bundle.files[name])
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        if participant.get("processRef") == process_id:
            return participant.get("id")
    return None


__all__ = ["CaseState", "PendingTimer", "case_state", "state_of", "diagram_file", "participant_of"]
