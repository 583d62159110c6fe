"""Saved engine state must keep loading: instances live for years, across library and diagram updates.

The sample was saved by SpiffWorkflow 3.2.0 (serializer format 1.5) at the material review of a
recognition case. If an upgrade breaks this test, write a migration before upgrading."""

import json
from pathlib import Path

from SpiffWorkflow.util.task import TaskState

from webapp.engine.runtime import SERIALIZER

SAMPLE = Path(__file__).parent / "samples" / "recognition-1.5-at-material-review.json"


def test_a_stored_recognition_case_still_loads_and_runs():
    state = SAMPLE.read_text()
    assert json.loads(state)["serializer_version"] == "1.5"
    wf = SERIALIZER.deserialize_json(state)
    ready = wf.get_tasks(state=TaskState.READY, manual=True)
    assert [t.task_spec.bpmn_id for t in ready] == ["material_review"]
    assert ready[0].data["recommender_decision"] == "recommend"
    ready[0].set_data(material_decision="supplement", material_comments="缺租赁合同")
    ready[0].run()
    wf.do_engine_steps()
    assert [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY, manual=True)] == ["supplement_materials"]
