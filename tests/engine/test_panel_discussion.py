"""When two experts' totals differ by more than the diagram's `flag_spread_over` (20 by default: 超过, so a
spread of exactly 20 is not flagged), the panel discusses the scores and the Torch Center records the
discussion before the Department decides (recognition) or confirms the grade (evaluation). The threshold is
the diagram's: a designer's edit changes when a discussion is required."""

from __future__ import annotations

import pytest

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from .test_lifecycle_scenarios import expert_score as evaluation_score
from .test_lifecycle_scenarios import first_evaluation
from .test_recognition_scenarios import expert_score, start, submit_and_recommend


def _scored_recognition(harness, totals):
    h = start(harness)
    submit_and_recommend(h)
    experts = harness.expert_ids[:len(totals)]
    h.complete("material_review", material_decision="complete", material_comments="齐全")
    h.complete("organise_review", panel_experts=list(experts))
    for e, total in zip(experts, totals, strict=True):
        h.complete("expert_review", assignee=e, expert_score=expert_score(e, total))
    h.complete("site_inspection", site_inspection_passed=True, site_inspection_report="一致")
    h.complete("credit_check", credit_blacklisted=False, credit_abnormal=False, credit_notes="")
    return h


@pytest.mark.parametrize(("totals", "discussed"), [
    ([60.0, 80.0, 70.0], False),  # a spread of exactly 20 is not more than 20
    ([60.0, 80.01, 70.0], True),  # 20.01 is
])
def test_recognition_discusses_a_spread_of_more_than_20(harness, totals, discussed):
    h = _scored_recognition(harness, totals)
    if not discussed:
        assert h.ready() == ["shortlist_decision"]
        return
    assert h.ready() == ["panel_discussion"]
    task = h.task("panel_discussion")
    assert task.lane == "torch_center"
    assert h.data["panel_spread"] == pytest.approx(20.01) and h.data["panel_flag_spread_over"] == 20
    h.complete("panel_discussion", panel_discussion="专家组会商：评分差异源于对孵化案例的认定，维持原评分")
    assert h.ready() == ["shortlist_decision"]
    assert h.task_data("shortlist_decision")["panel_discussion"].startswith("专家组会商")


def test_a_designer_s_threshold_decides_when_the_panel_discusses(harness):
    """The same scores (spread 25) need no discussion once the diagram's flag_spread_over says 30."""
    files = read_directory("bpmn")
    xml = files["recognition.bpmn"]
    old = '<spiffworkflow:parameter id="flag_spread_over" type="float" value="20" />'
    assert xml.count(old) == 1
    deploy({**files, "recognition.bpmn": xml.replace(old, old.replace('"20"', '"30"'))}, note="分差阈值 30")
    db.session.commit()
    h = _scored_recognition(harness, [60.0, 85.0, 70.0])
    assert h.ready() == ["shortlist_decision"] and h.data["panel_flag_spread_over"] == 30


def test_an_evaluation_panel_far_apart_discusses_before_the_grade(harness):
    h = first_evaluation(harness)
    experts = harness.expert_ids[:3]
    h.complete("self_assessment", self_assessment_summary="自评")
    h.complete("evaluation_material_review", materials_false=False, material_comments="齐全")
    h.complete("organise_evaluation", panel_experts=list(experts))
    for e, total in zip(experts, (55, 80, 70), strict=True):
        h.complete("evaluation_score", assignee=e, expert_score=evaluation_score(e, total))
    assert h.ready() == ["evaluation_panel_discussion"]
    h.complete("evaluation_panel_discussion", panel_discussion="经讨论，维持各自评分")
    assert h.ready() == ["confirm_grade"]
