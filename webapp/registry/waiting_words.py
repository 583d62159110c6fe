"""What a space's running cases wait for, in their diagrams' words, for the space page.

Where a case stands reads as its waiting event's name and date (整改期（至 2027-09-04）: webapp/engine/waits.py);
what comes after it is the event's own `bpmn:documentation`, rendered like a step's instructions over the case's
data at the wait — the lifecycle's 整改期 says that a re-evaluation follows the period, what to hand in, and that
failing it revokes the recognition (Art. 19.3, 19.4). A designer who rewords it, or documents another wait,
changes the page with no Python change. Boundary events are a step's deadline or reminder and say nothing here.

Only a case whose current step names a documented waiting event of its diagram is read from its stored state
(one small workflow, for this one page); the others cost nothing.
"""

from __future__ import annotations

import logging

from markupsafe import Markup
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from webapp.engine.definitions import parsed_bundle
from webapp.engine.runtime import restore
from webapp.engine.sandbox import render_instructions
from webapp.engine.walk import tasks_in
from webapp.models import ProcessInstance

log = logging.getLogger(__name__)


def documented_waits(instance: ProcessInstance) -> dict[str, tuple[str, str]]:
    """{element id: (name, documentation)} of the waiting events of the case's process (and its sub-processes)
    that carry documentation, on the version the case runs on."""
    spec, subprocess_specs = parsed_bundle(instance.bundle).specs[instance.process_id]
    found = {}
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            text = (getattr(task_spec, "documentation", None) or "").strip()
            if text and isinstance(task_spec, CatchingEvent) and not isinstance(task_spec, BoundaryEvent):
                found[task_spec.bpmn_id] = (task_spec.bpmn_name or "", text)
    return found


def waiting_words(instances: list[ProcessInstance]) -> dict[int, list[Markup]]:
    """For each running case that waits at a documented event: that documentation, rendered over its data."""
    words: dict[int, list[Markup]] = {}
    for instance in instances:
        if instance.status != "running":
            continue
        try:
            documented = documented_waits(instance)
            if not any(name and name in (instance.current_step or "") for name, _ in documented.values()):
                continue
            words[instance.id] = _rendered(instance, documented)
        except Exception:  # a case that cannot be read (a fault of its own) must not take the space page down
            log.warning("what case %s waits for could not be read", instance.id, exc_info=True)
    return {case: texts for case, texts in words.items() if texts}


def _rendered(instance: ProcessInstance, documented: dict[str, tuple[str, str]]) -> list[Markup]:
    texts: list[Markup] = []
    for task in tasks_in(restore(instance), TaskState.WAITING):
        specs = [task.task_spec]
        if isinstance(getattr(task.task_spec, "event_definition", None), MultipleEventDefinition):
            specs += [child.task_spec for child in task.children]  # an event-based gateway waits on each of them
        for spec in specs:
            if spec.bpmn_id in documented:
                text = render_instructions(documented[spec.bpmn_id][1], dict(task.data))
                if str(text).strip() and text not in texts:
                    texts.append(text)
    return texts
