import pytest
from SpiffWorkflow.util.task import TaskState

from webapp.engine import runtime
from webapp.engine.walk import tasks_in
from webapp.simulation import Harness


@pytest.fixture
def harness(app):
    return Harness()


@pytest.fixture(autouse=True)
def lookups_by_state_agree_with_the_tree_walk(monkeypatch):
    """Every save in every engine scenario: the engine layer's lookups by state (webapp/engine/walk.py) find
    exactly the tasks SpiffWorkflow's tree walk finds, in the states they are used for."""
    save = runtime.Runtime.save

    def checked(self, instance, wf, *args, **kwargs):
        for state, manual in ((TaskState.READY, None), (TaskState.READY, True), (TaskState.READY, False),
                              (TaskState.WAITING, None)):
            found = {task.id for task in tasks_in(wf, state, manual)}
            walked = {task.id for task in wf.get_tasks(state=state, manual=manual)}
            assert found == walked, (TaskState.get_name(state), manual, found ^ walked)
        return save(self, instance, wf, *args, **kwargs)

    monkeypatch.setattr(runtime.Runtime, "save", checked)
