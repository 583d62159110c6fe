"""The 2022 revision drill (issue 7, item 6), as files a designer would deploy: evaluations use only 优秀, 合格
and 不合格, and recognition (认定) became a filing (备案). No Python changes: the revised tables and names pass
the deploy checks, cases started afterwards follow them, and cases already running finish on the 2020 rules.

The README's "The 2022 drill" walks the same edits in the browser."""

import re

import pytest
from flask import current_app

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from .test_dmn_versions import live_both
from .test_lifecycle_scenarios import evaluate


def _without_rule(dmn: str, rule_id: str) -> str:
    edited = re.sub(rf'\s*<rule id="{rule_id}">.*?</rule>', "", dmn, flags=re.S)
    assert edited != dmn
    return edited


def _replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def revision_2022(files: dict[str, str]) -> dict[str, str]:
    """Three grades: 良好 goes, 合格 runs from 50 (含) to 85; only 优秀 is rewarded. Recognition named a filing."""
    grade = _without_rule(files["evaluation_grade.dmn"], "evaluation_grade_rule_4")  # 良好 [70, 85)
    grade = _replaced(grade, "<text>50 &lt;= ? &lt; 70</text>", "<text>50 &lt;= ? &lt; 85</text>")
    award = _without_rule(files["evaluation_award.dmn"], "evaluation_award_rule_2")  # 良好：30 万元
    award = _replaced(award, '<text>? not in ("excellent", "good")</text>', '<text>? != "excellent"</text>')
    recognition = files["recognition.bpmn"]
    for old, new in (('name="众创空间认定"', 'name="众创空间备案"'),
                     ('name="填写并提交申报书"', 'name="填写并提交备案申请"'),
                     ('name="拟定入选名单"', 'name="拟定备案名单"')):
        recognition = _replaced(recognition, old, new)
    return {**files, "evaluation_grade.dmn": grade, "evaluation_award.dmn": award, "recognition.bpmn": recognition}


@pytest.fixture
def revised(app):
    def apply():
        deploy(revision_2022(read_directory(current_app.config["BPMN_DIR"])), note="2022 年修订")
        db.session.commit()
    return apply


def test_after_the_revision_new_evaluations_have_three_grades_and_running_ones_keep_four(harness, revised):
    experts = harness.expert_ids[:3]
    early = harness.recognised_space()
    early.advance(days=60)
    late = harness.recognised_space()
    live_both([early, late], until_ready_in=early)

    revised()  # passes every deploy check: no gap between 合格 and 优秀, outputs the diagrams test for

    evaluate(early, 75, experts)  # started under the 2020 rules: 75 is 良好, rewarded 30 万元
    assert early.awards == [("evaluation", 300000)]
    live_both([early, late], until_ready_in=late)
    evaluate(late, 75, experts)  # started after the revision: 75 is 合格, with no award
    assert late.awards == []
    assert late.space_status == "recognised"


def test_after_the_revision_new_applications_are_filings(harness, revised):
    from .test_recognition_scenarios import START_DATA

    before = harness("recognition", data=dict(START_DATA))
    revised()
    after = harness("recognition", data=dict(START_DATA))
    assert after.instance.process_name == "众创空间备案"
    assert [t.title for t in after.open_tasks()] == ["填写并提交备案申请"]
    assert before.instance.process_name == "众创空间认定"  # a running case keeps its version's names
    assert [t.title for t in before.open_tasks()] == ["填写并提交申报书"]
