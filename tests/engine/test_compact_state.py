"""A case's saved state holds its own tasks and data, not the process definition (issue 10, item 1).

Older cases were saved in SpiffWorkflow's full form, spec embedded; they must keep loading and running, and
are written in the compact form the next time they are saved."""

import json
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from webapp.engine import state as saved_state
from webapp.extensions import db
from webapp.models import ProcessInstance

from .test_recognition_scenarios import review_panel, start, submit_and_recommend

SAMPLE = Path(__file__).parent / "samples" / "recognition-1.5-at-material-review.json"
RECOGNITION_LIMIT = 16 * 1024  # issue 10's target for a recognition case, at any step


def _ready(wf) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY, manual=True))


def _no_specs():
    raise AssertionError("a state in the full form brings its own spec")


def test_an_old_full_state_runs_on_and_is_saved_compact():
    full = SAMPLE.read_text()
    wf = saved_state.restore(full, _no_specs)
    assert _ready(wf) == ["material_review"]
    task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(material_decision="supplement", material_comments="缺租赁合同")
    task.run()
    wf.do_engine_steps()

    compact = saved_state.dump(wf)
    assert saved_state.is_compact(compact) and not saved_state.is_compact(full)
    assert "task_specs" not in saved_state.as_json(compact)  # no definition inside
    assert len(compact) * 4 < len(full)
    again = saved_state.restore(compact, lambda: (wf.spec, wf.subprocess_specs))
    assert _ready(again) == ["supplement_materials"]
    ready = again.get_tasks(state=TaskState.READY, manual=True)[0]
    assert ready.data["material_comments"] == "缺租赁合同"
    assert ready.data["recommender_decision"] == "recommend"  # what was decided before the old save


def test_a_compact_state_refuses_to_load_without_its_definition():
    wf = saved_state.restore(SAMPLE.read_text(), _no_specs)
    with pytest.raises(ValueError):
        saved_state.restore(saved_state.dump(wf), lambda: (None, {}))


def test_an_old_state_in_the_database_is_completed_through_the_runtime(harness):
    """A case whose row still holds the full form (saved before this change) goes on through the runtime;
    its next save is compact, and the case continues from there."""
    h = start(harness)
    instance = db.session.get(ProcessInstance, h.instance_id)
    from webapp.engine.runtime import restore

    wf = restore(instance)
    instance.state = saved_state.FULL.serialize_json(wf)  # as every case was stored before
    db.session.commit()
    assert not saved_state.is_compact(h.instance.state)
    submit_and_recommend(h)
    assert saved_state.is_compact(h.refresh().instance.state)
    assert h.ready() == ["material_review"]


def test_a_recognition_case_stays_small_at_every_step(harness):
    h = start(harness)
    sizes = [len(h.instance.state.encode())]
    original = type(h).complete

    def measured(case, *args, **kwargs):
        result = original(case, *args, **kwargs)
        sizes.append(len(case.refresh().instance.state.encode()))
        return result

    type(h).complete = measured
    try:
        submit_and_recommend(h)
        review_panel(h, harness.expert_ids[:5])
        h.complete("shortlist_decision", shortlist_decision="shortlist", shortlist_comments="拟入选")
    finally:
        type(h).complete = original
    assert len(sizes) > 10
    assert max(sizes) <= RECOGNITION_LIMIT, str(sizes)
    assert json.loads(saved_state.as_json(h.instance.state))["definition"] == "bundle"



EVENT_SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:message id="m1" name="cancel_it"/>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="u" name="work"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/>
    <bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e"/>
    <bpmn:subProcess id="esp" triggeredByEvent="true">
      <bpmn:startEvent id="es" isInterrupting="false"><bpmn:outgoing>g1</bpmn:outgoing>
        <bpmn:messageEventDefinition messageRef="m1"/></bpmn:startEvent>
      <bpmn:userTask id="handle" name="handle"><bpmn:incoming>g1</bpmn:incoming><bpmn:outgoing>g2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="ee"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="g1" sourceRef="es" targetRef="handle"/>
      <bpmn:sequenceFlow id="g2" sourceRef="handle" targetRef="ee"/>
    </bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>"""


def _shared_specs():
    from lxml import etree
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    from webapp.engine.definitions import _as_restored

    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(etree.fromstring(EVENT_SUBPROCESS.encode()), filename="t.bpmn")
    return _as_restored(parser.get_spec("p"), parser.get_subprocess_specs("p"))


def _work_through(wf) -> None:
    for _ in range(3):
        for workflow in [wf, *wf.subprocesses.values()]:
            for task in workflow.get_tasks(state=TaskState.READY, manual=True):
                task.run()
        wf.do_engine_steps()


def test_an_event_sub_process_in_one_case_leaves_the_shared_definition_alone():
    """Cases share their process's parsed definition. SpiffWorkflow wires an event sub-process into it when
    its event comes: in one case that must not start it in every later case, and the case itself must
    finish after a restart (its state is restored on definitions parsed afresh)."""
    from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    spec, subprocess_specs = _shared_specs()
    caught = BpmnWorkflow(spec, subprocess_specs)
    caught.do_engine_steps()
    caught.send_event(BpmnEvent(MessageEventDefinition("cancel_it"), payload={}))
    caught.do_engine_steps()
    assert sorted(t.task_spec.bpmn_name for t in caught.get_tasks(state=TaskState.READY, manual=True)) == [
        "handle", "work"]

    later = BpmnWorkflow(spec, subprocess_specs)  # another case, same shared definition
    later.do_engine_steps()
    assert [t.task_spec.bpmn_name for t in later.get_tasks(state=TaskState.READY, manual=True)] == ["work"]
    _work_through(later)
    assert later.is_completed()

    restarted = saved_state.restore(saved_state.dump(caught), _shared_specs)  # a new process: parsed afresh
    _work_through(restarted)
    assert restarted.is_completed()


def test_a_case_loads_when_a_later_release_dropped_a_service_function(harness, monkeypatch):
    """Deploy checks a bundle against the code of the day; loading a case must not: its bundle was fine
    when deployed, and a function gone since fails only the step that calls it."""
    from webapp.engine import definitions
    from webapp.engine.runtime import restore
    from webapp.engine.services import registry

    h = start(harness)
    definitions._parsed.cache_clear()  # as in a freshly started process
    monkeypatch.delitem(registry._functions, "recognise_space")
    wf = restore(db.session.get(ProcessInstance, h.instance_id))
    assert _ready(wf) == ["submit_application"]
