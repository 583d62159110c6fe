"""Changing only the decision tables changes evaluations started afterwards, not those already running.

Each evaluation is its own case, started by the lifecycle's start_evaluation message on the newest
definitions; a running case keeps the version it started on."""

from flask import current_app

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from .test_lifecycle_scenarios import REPORT, evaluate


def relaxed_tables(files: dict) -> dict:
    grade = files["evaluation_grade.dmn"]
    grade = grade.replace("<text>&gt;= 85</text>", "<text>&gt;= 80</text>")
    grade = grade.replace("<text>70 &lt;= ? &lt; 85</text>", "<text>70 &lt;= ? &lt; 80</text>")
    award = files["evaluation_award.dmn"].replace("<text>400000</text>", "<text>450000</text>")
    assert grade != files["evaluation_grade.dmn"] and award != files["evaluation_award.dmn"]
    return {**files, "evaluation_grade.dmn": grade, "evaluation_award.dmn": award}


def live_both(cases, until_ready_in, task="self_assessment", step=14, limit=1500):
    waited = 0
    while task not in until_ready_in.ready():
        assert waited < limit
        until_ready_in.advance(days=step)
        waited += step
        for case in cases:
            if "half_year_report" in case.ready():
                case.complete("half_year_report", **REPORT)


def test_new_bands_and_amounts_apply_to_evaluations_started_after_the_deploy(harness):
    experts = harness.expert_ids[:3]
    early = harness.recognised_space()
    early.advance(days=60)
    late = harness.recognised_space()  # recognised two months later: evaluated two months later
    live_both([early, late], until_ready_in=early)
    assert "self_assessment" not in late.ready()

    deploy(relaxed_tables(read_directory(current_app.config["BPMN_DIR"])), note="bands 80/70, award 450000")
    db.session.commit()

    evaluate(early, 82, experts)  # running since before the deploy: 82 is still 良好
    assert early.awards == [("evaluation", 300000)]

    live_both([early, late], until_ready_in=late)
    evaluate(late, 82, experts)  # started after the deploy: 82 is now 优秀, with the new amount
    assert late.awards == [("evaluation", 450000)]
