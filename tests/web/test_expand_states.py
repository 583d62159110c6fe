"""`flask --app webapp expand-states`: every case's state back in SpiffWorkflow's full form, readable by a
release from before compact states; this release reads it and goes on."""

import json

from webapp.engine import state as saved_state
from webapp.extensions import db
from webapp.models import ProcessInstance

from .flow import open_task, start_application, submit_application


def test_states_are_written_in_full_form_and_the_cases_go_on(app, login, world):
    application_id = start_application(login("applicant_a"))
    instances = db.session.query(ProcessInstance).all()
    assert instances and all(saved_state.is_compact(i.state) for i in instances)

    result = app.test_cli_runner().invoke(args=["expand-states"])
    assert result.exit_code == 0, result.output
    assert f"{len(instances)} case states written in the full form" in result.output
    db.session.expire_all()
    for instance in db.session.query(ProcessInstance).all():
        full = json.loads(instance.state)  # plain JSON, the definition inside, as SpiffWorkflow writes it
        assert "spec" in full and full["serializer_version"] == "1.5"
    submit_application(login, application_id)  # this release reads the full form and goes on
    assert open_task(application_id, "recommender_review")
