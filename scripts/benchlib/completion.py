"""Completing one task, three ways, on the same saved states in the same run:
- the bare SpiffWorkflow step: restore the saved state, run the task, run the engine, dump the state;
- `Runtime.complete`: the app's engine layer (load, run, save, task rows, audit; it flushes, no commit);
- the HTTP completion: a POST of the task's form through the Flask app (test client: routing, session,
  log-in, CSRF, form validation, completion, commit, redirect), as a browser sends it.
Before each completion the bare step is timed on the state that completion starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow

from webapp.engine.definitions import parsed_bundle
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import HumanTask, ProcessInstance, User

from . import cases, trivial
from .stats import Timings
from .world import Browser, World

try:
    from webapp.engine import state as _state
except ImportError:  # before cases were saved without their definition (issue 10, item 1)
    _state = None


def restore(text: str, specs: tuple) -> BpmnWorkflow:
    """The saved state as a workflow, the way the app stores it: webapp/engine/state.py, the definition
    (`specs`: the process spec and its subprocess specs) handed in from the parsed-once cache; before that
    module existed, SpiffWorkflow's own serializer, the definition embedded in the state."""
    if _state is None:
        from webapp.engine.runtime import SERIALIZER

        return SERIALIZER.deserialize_json(text)
    return _state.restore(text, lambda: specs)


def dump(wf: BpmnWorkflow) -> str:
    if _state is None:
        from webapp.engine.runtime import SERIALIZER

        return SERIALIZER.serialize_json(wf)
    return _state.dump(wf)


def bare_step(row: HumanTask, data: dict, timings: Timings) -> None:
    """Restore, run the task, run the engine, dump: what SpiffWorkflow alone does for a completion."""
    instance = db.session.get(ProcessInstance, row.instance_id)
    text, guid = instance.state, UUID(row.task_guid)
    specs = parsed_bundle(instance.bundle).specs[instance.process_id]  # parsed once per bundle, as in the app
    with timings.measure():
        wf = restore(text, specs)
        task = wf.get_task_from_id(guid)
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()
        dump(wf)


@dataclass
class Layers:
    bare: Timings = field(default_factory=Timings)
    runtime: Timings = field(default_factory=Timings)
    http: Timings = field(default_factory=Timings)


def _complete(layers: Layers | None, row: HumanTask, data: dict, actor: User, browser: Browser, over_http: bool) -> None:
    """Complete one open task through the runtime or over HTTP, timing it and its bare step (None: warm-up)."""
    target = layers or Layers()
    bare_step(row, data, target.bare)
    if over_http:
        with target.http.measure():
            response = browser.post(f"/tasks/{row.id}", data)
        assert response.status_code == 302, f"the task POST answered {response.status_code}"
    else:
        with target.runtime.measure():
            Runtime(actor=actor).complete(db.session.get(HumanTask, row.id), data)
        db.session.commit()
    db.session.expire_all()


def trivial_layers(world: World, cases_per_layer: int) -> Layers:
    """Every step of trivial cases: even cases through the runtime, odd ones over HTTP."""
    people = world.people
    actor = db.session.get(User, people.users["torch1"])
    browser = Browser(world.app, "torch1")
    layers = Layers()
    data = {"comment": "已办理"}
    for n in range(2 * (cases_per_layer + 1)):
        case = cases.start_trivial(people, n)
        for step in trivial.STEPS:
            row = cases.open_task(case, step)
            _complete(layers if n >= 2 else None, row, data, actor, browser, over_http=n % 2 == 1)
    return layers


def recognition_layers(world: World, cases_per_layer: int) -> Layers:
    """The material review (材料完整性审核) of recognition cases, by the Torch Center: its bare step runs the
    gateway up to the next user task, the app also writes the task rows, the audit event, the notices."""
    people = world.people
    actor = db.session.get(User, people.users["torch1"])
    browser = Browser(world.app, "torch1")
    layers = Layers()
    for n in range(2 * (cases_per_layer + 1)):
        case = cases.to_material_review(people, n)
        row = cases.open_task(case, "material_review")
        _complete(layers if n >= 2 else None, row, cases.MATERIALS_COMPLETE, actor, browser, over_http=n % 2 == 1)
    return layers
