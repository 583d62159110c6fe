"""What a process's diagram says to its pages, read from the version a case runs on: a step's property (the
sheet its experts score on, the table a change filing's areas are checked on) and the caps its combining step
applies (Art. 19.1), so the pages say what the diagram counts."""

from __future__ import annotations

import contextlib


def _task_specs(bundle, process_id: str):
    """Every step of the process in the version the case runs on, its subprocesses' included."""
    if bundle is None or not process_id:
        return
    from webapp.engine.definitions import parsed_bundle

    spec, subprocess_specs = parsed_bundle(bundle).specs.get(process_id, (None, {}))
    for wf_spec in [s for s in (spec, *subprocess_specs.values()) if s is not None]:
        yield from wf_spec.task_specs.values()


def step_property(bundle, process_id: str, name: str) -> str:
    """The property `name` of the first step of the process that has it (e.g. scoreSheet), or ""."""
    from webapp.engine.runtime import task_properties

    for task_spec in _task_specs(bundle, process_id):
        if value := task_properties(task_spec).get(name):
            return str(value)
    return ""


def process_score_sheet(bundle, process_id: str) -> str:
    """The decision table a step of the process scores on (its `scoreSheet` property), or ""."""
    return step_property(bundle, process_id, "scoreSheet")


# Art. 19.1: base up to 100, bonus up to 20 — what the pages say when the process has no combining step to ask.
SCORE_CAPS = {"base": 100.0, "bonus": 20.0}
COMBINING_STEP = "combine_panel_scores"  # the service that caps each expert's sheet (tasks/recognition.py)


def score_caps(bundle, process_id: str) -> dict[str, float]:
    """The caps the process's combining step applies to base and bonus (its parameters base_max and
    bonus_max), so that the scoring and self-assessment pages say what the diagram counts: a designer who
    changes a cap changes the pages too. A parameter given as an expression rather than a number keeps the
    regulation's cap in the words."""
    caps = dict(SCORE_CAPS)
    for task_spec in _task_specs(bundle, process_id):
        if getattr(task_spec, "operation_name", None) != COMBINING_STEP:
            continue
        for part in caps:
            value = (task_spec.operation_params.get(f"{part}_max") or {}).get("value")
            with contextlib.suppress(TypeError, ValueError):
                caps[part] = float(value)
        break
    return caps
