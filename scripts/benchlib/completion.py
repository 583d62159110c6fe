"""Completing one task, three ways, on the same saved states in the same run:
- the bare SpiffWorkflow step: restore the saved state, run the task, run the engine, dump the state. Timed
  twice: with SpiffWorkflow's own serializer, which embeds the process definition in every state (what the
  issue measured its ratios against, and what an app using SpiffWorkflow as shipped does), and with the
  app's compact state (webapp/engine/state.py: the definition comes from the parsed-once cache);
- `Runtime.complete`: the app's engine layer (load, run, save, task rows, audit; it flushes, no commit);
- the HTTP completion: a POST of the task's form through the Flask app (test client: routing, session,
  log-in, CSRF, form validation, completion, commit, redirect), as a browser sends it.
Before each completion the bare steps are timed on the state that completion starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow

from webapp.engine import state as saved_state
from webapp.engine.definitions import parsed_bundle
from webapp.engine.runtime import SERIALIZER, Runtime
from webapp.extensions import db
from webapp.models import HumanTask, ProcessInstance, User

from . import cases, trivial
from .stats import Timings
from .world import Browser, World


def restore(text: str, specs: tuple) -> BpmnWorkflow:
    """The saved state as a workflow, the way the app stores it (webapp/engine/state.py): the definition
    (`specs`: the process spec and its subprocess specs) handed in from the parsed-once cache."""
    return saved_state.restore(text, lambda: specs)


def dump(wf: BpmnWorkflow) -> str:
    return saved_state.dump(wf)


def bare_step(row: HumanTask, data: dict, timings: Timings, stock: Timings) -> None:
    """Restore, run the task, run the engine, dump: what SpiffWorkflow alone does for a completion, from the
    app's compact state (`timings`) and from SpiffWorkflow's own form of the same state (`stock`)."""
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
    full = SERIALIZER.serialize_json(restore(text, specs))  # the definition embedded, as SpiffWorkflow writes it
    with stock.measure():
        wf = SERIALIZER.deserialize_json(full)
        task = wf.get_task_from_id(guid)
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()
        SERIALIZER.serialize_json(wf)


@dataclass
class Layers:
    bare: Timings = field(default_factory=Timings)  # from the app's compact state
    stock: Timings = field(default_factory=Timings)  # from SpiffWorkflow's own serialized form
    runtime: Timings = field(default_factory=Timings)
    http: Timings = field(default_factory=Timings)


def _complete(layers: Layers | None, row: HumanTask, data: dict, actor: User, browser: Browser, over_http: bool) -> None:
    """Complete one open task through the runtime or over HTTP, timing it and its bare step (None: warm-up)."""
    target = layers or Layers()
    bare_step(row, data, target.bare, target.stock)
    if over_http:
        with target.http.measure():
            response = browser.send_form(f"/tasks/{row.id}", data)
        browser.settle()  # the harness's own bookkeeping, untimed
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
