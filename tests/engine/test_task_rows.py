"""Human-task rows carry what inboxes show: role, scope and the due date the diagram gives."""

from datetime import datetime, timedelta

from webapp.clock import clock


def test_half_year_report_is_due_at_its_deadline_not_at_its_reminder(harness):
    space = harness.recognised_space()
    while "half_year_report" not in space.ready():
        space.advance(days=7)
    row = space.task("half_year_report")
    data = space.task_data("half_year_report")
    assert row.due_at == datetime.fromisoformat(data["report_deadline"])
    # the window counts from when the period was due to open, not from when the sweeper ran
    opened = datetime.fromisoformat(data["report_opened_at"])
    assert opened == datetime.fromisoformat(data["recognised_at"]) + timedelta(days=184)
    assert (row.due_at - opened).days == 30 and clock.now() > opened
    assert row.lane == "applicant" and row.organisation_id == harness.organisation.id


def test_recognition_tasks_are_scoped_to_the_case(harness):
    case = harness("recognition")
    row = case.task("submit_application")
    # the application is due when its round closes (the diagram's lapse timer on the task)
    assert (row.lane, row.organisation_id, row.unit_id, row.due_at) == (
        "applicant", harness.organisation.id, harness.unit.id, harness.round.closes_at)
    assert case.instance.subject_title == "测试众创空间"
