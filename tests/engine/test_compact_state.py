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

