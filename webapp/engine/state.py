"""A case's saved state: its own tasks and data, not the process definition it runs on.

SpiffWorkflow's serializer embeds the whole parsed process (82% of a recognition case's ~100 kB) in every
saved state and rebuilds it on every load. Our instances already name their DefinitionBundle, which is
immutable, so the spec is parsed once per process (definitions.parsed_bundle) and a saved state holds only
the task tree, the data and the events in flight. `dump` writes that compact form; `restore` reads it, and
still reads states saved in SpiffWorkflow's full form (older cases) — they become compact when next saved.
"""

from __future__ import annotations

import base64
import json
import zlib
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

# Marks a compact state. The task format inside is SpiffWorkflow's own (VERSION, e.g. "1.5").
COMPACT_KEY = "definition"
FORM = "bundle"
ZLIB_PREFIX = "zlib:"


class _CompactWorkflowConverter(BpmnWorkflowConverter):
    """The top workflow without its spec: the spec objects are handed in on restore."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)  # tasks, data, root: no spec
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct[COMPACT_KEY] = FORM
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            raise ValueError("a compact state needs its process definition to be restored")
        dct.pop(COMPACT_KEY, None)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _CompactTaskConverter(TaskConverter):
    """Tasks not reached yet (predicted branches) hold no data; SpiffWorkflow writes that as a delta deleting
    every key of the parent's data, one list of all names per predicted task. An empty delta reads back as the
    task's own (empty) data, so say nothing instead."""

    def to_dict(self, task):
        if task.parent is None or task.data:
            return super().to_dict(task)
        return {
            "id": str(task.id),
            "parent": str(task._parent),
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": {},
            "delta": {},
        }


def _serializer(**converters) -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config.update({{"workflow": BpmnWorkflow, "task": Task}[name]: converter for name, converter in converters.items()})
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


COMPACT = _serializer(workflow=_CompactWorkflowConverter, task=_CompactTaskConverter)
FULL = _serializer()  # SpiffWorkflow's own form, spec embedded: how cases were saved before


def dump(wf: BpmnWorkflow) -> str:
    """The compact JSON of a workflow: no spec, Chinese text as UTF-8 (not six-byte \\u escapes), no
    padding. Same encoder as SpiffWorkflow's serialize_json, so every value it can store, this stores."""
    registry = COMPACT.registry
    registry._encoder_mode = True
    try:
        dct = COMPACT.to_dict(wf)
        dct[COMPACT.VERSION_KEY] = COMPACT.VERSION
        text = json.dumps(dct, cls=COMPACT._encoder_cls, ensure_ascii=False, separators=(",", ":"))
    finally:
        registry._encoder_mode = False
    # Task trees are repetitive (ids, key names): zlib's fastest level takes a recognition case from ~24 kB
    # to ~6 kB (base64 included: the column is text on every database) for ~0.3 ms.
    return ZLIB_PREFIX + base64.b64encode(zlib.compress(text.encode("utf-8"), 1)).decode("ascii")


def as_json(text: str) -> str:
    """The JSON of a saved state, whichever way it was stored (for reading and inspecting)."""
    if text.startswith(ZLIB_PREFIX):
        return zlib.decompress(base64.b64decode(text[len(ZLIB_PREFIX):])).decode("utf-8")
    return text


def is_compact(text: str) -> bool:
    return text.startswith(ZLIB_PREFIX) or f'"{COMPACT_KEY}":"{FORM}"' in text


def restore(text: str, specs) -> BpmnWorkflow:
    """A workflow from its saved JSON. `specs` is a callable giving (spec, subprocess specs) of the case's
    process, asked only for a compact state; a state in the full form brings its own."""
    dct = json.loads(as_json(text))
    version = dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
    if COMPACT_KEY not in dct:
        if version in MIGRATIONS:
            MIGRATIONS[version](dct)
        return FULL.from_dict(dct)
    if version != VERSION:  # SpiffWorkflow's migrations rewrite specs too: refuse rather than guess
        raise ValueError(f"compact state of serializer format {version}, this engine writes {VERSION}")
    spec, subprocess_specs = specs()
    return COMPACT.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
