"""Human-task rows carry what inboxes show: role, scope and the due date the diagram gives."""

from datetime import datetime

from webapp.engine.clock import clock


def test_half_year_report_is_due_at_its_deadline_not_at_its_reminder(harness):
    space = harness.recognised_space()
    while "half_year_report" not in space.ready():
        space.advance(days=7)
    row = space.task("half_year_report")
    deadline = datetime.fromisoformat(space.task_data("half_year_report")["report_deadline"])
    assert row.due_at == deadline
    assert 29 <= (row.due_at - clock.now()).days <= 30
    assert row.lane == "applicant" and row.organisation_id == harness.organisation.id


def test_recognition_tasks_are_scoped_to_the_case(harness):
    case = harness("recognition")
    row = case.task("submit_application")
    assert (row.lane, row.organisation_id, row.unit_id, row.due_at) == (
        "applicant", harness.organisation.id, harness.unit.id, None)
    assert case.instance.subject_title == "测试众创空间"
