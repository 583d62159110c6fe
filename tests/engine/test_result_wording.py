"""What the operator is told of an evaluation result and of its space's new status reads as one sentence after
another, never brackets inside brackets: a result for late materials read
"绩效考核结果：不合格（未按规定时间提供考核资料，视为不合格（第十九条第四项））", and the rectification that
followed "状态变更：整改中（绩效考核不合格，限期整改，整改期至 …（第十九条第三项））"."""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Notification, User

from .test_lifecycle_scenarios import end_result_notice, first_evaluation, live


def _operator(harness) -> User:
    operator = User(username="operator", display_name="运营者", role="applicant", password_hash="x",
                    organisation_id=harness.organisation.id, unit_id=harness.unit.id)
    db.session.add(operator)
    db.session.commit()
    return operator


def _told(operator: User, about: str) -> list[str]:
    return [n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == operator.id)
                                               .order_by(Notification.id)) if about in n.text]


def nested_brackets(text: str) -> list[str]:
    """Each （…（…）…） in the text."""
    found, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "（":
            depth += 1
            if depth == 1:
                start = i
            elif depth == 2:
                found.append(text[start:])
        elif ch == "）":
            depth = max(depth - 1, 0)
    return found


def test_a_result_for_late_materials_says_why_in_a_sentence_of_its_own(harness):
    h = first_evaluation(harness)
    operator = _operator(harness)
    live(h, 35)  # the 30-day self-assessment window runs out: graded fail without a panel
    h.complete("confirm_grade")
    [told] = _told(operator, "绩效考核结果")
    name = re.match(r"「([^」]+)」", told).group(1)
    assert told.startswith(f"「{name}」绩效考核结果：不合格。未按规定时间提供考核资料，视为不合格（第十九条第四项）。结果公示至 "), told
    assert nested_brackets(told) == [], told
    end_result_notice(h)
    [status] = _told(operator, "状态变更")
    assert status.startswith(f"「{name}」状态变更：整改中。绩效考核不合格，限期整改，整改期至 "), status
    assert nested_brackets(status) == [], status


def test_a_result_for_false_materials_too(harness):
    h = first_evaluation(harness)
    operator = _operator(harness)
    h.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    h.complete("evaluation_material_review", materials_false=True, material_comments="场地面积与实际不符")
    h.complete("confirm_grade")
    [told] = _told(operator, "绩效考核结果")
    assert "绩效考核结果：不合格。提供虚假考核资料，视为不合格（第十九条第四项）。" in told, told
    assert nested_brackets(told) == [], told


def test_nested_brackets_are_found():
    assert nested_brackets("不合格（甲（第四项））") and not nested_brackets("不合格（甲）（乙）")
