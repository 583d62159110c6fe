"""Sentences joined for people to read end in one mark, never two: the helpers, and the experts' comments
in the notice of an evaluation result (it read "专家意见：孵化绩效差。；基本合格。")."""

from __future__ import annotations

from sqlalchemy import select

from webapp.engine.sentences import joined, sentences, tidy
from webapp.extensions import db
from webapp.models import Notification, User

from .test_lifecycle_scenarios import expert_score, first_evaluation


def test_sentences_end_each_part_once():
    assert sentences("新的待办：补正材料", "退回原因：缺少场地证明", "办理期限：2026-03-20") == \
        "新的待办：补正材料。退回原因：缺少场地证明。办理期限：2026-03-20"
    assert sentences("退回：管理服务人员缺少 2 人。", "请在 3 月 20 日前修改") == "退回：管理服务人员缺少 2 人。请在 3 月 20 日前修改"
    for ended in ("是否齐全？", "请尽快补正！", "见附件；", "see the annex."):
        assert sentences(ended, "下一句") == ended + "下一句"
    assert sentences("", "  ", "只有一句") == "只有一句"
    assert sentences() == ""


def test_joined_puts_the_separator_only_after_an_open_item():
    assert joined(["孵化绩效差。", "基本合格。", "服务有待加强", "运营规范"]) == "孵化绩效差。基本合格。服务有待加强；运营规范"
    assert joined(["甲", "乙"], "、") == "甲、乙"
    assert joined(["", " 乙 "]) == "乙"


def test_tidy_leaves_one_mark_where_a_template_added_a_second():
    assert tidy("退回修改：缺少 2 人。。请在 3 月 20 日前提交。") == "退回修改：缺少 2 人。请在 3 月 20 日前提交。"
    assert tidy("面积不足。；导师不足。；活动不足。请修改") == "面积不足。导师不足。活动不足。请修改"
    assert tidy("是否齐全？。请补正！；") == "是否齐全？请补正！"
    assert tidy("见附件；。") == "见附件。"
    assert tidy("无需改动：一句。另一句；再一句") == "无需改动：一句。另一句；再一句"
    assert tidy("真的吗？！") == "真的吗？！"  # the writer's own marks, not a join


def test_the_evaluation_notice_lists_the_experts_comments_with_one_mark_each(harness):
    h = first_evaluation(harness)
    operator = User(username="operator", display_name="运营者", role="applicant", password_hash="x",
                    organisation_id=harness.organisation.id, unit_id=harness.unit.id)
    db.session.add(operator)
    db.session.commit()
    experts = harness.expert_ids[:3]
    h.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    h.complete("evaluation_material_review", materials_false=False, material_comments="材料齐全、真实")
    h.complete("organise_evaluation", panel_experts=experts)
    for expert, comments in zip(experts, ("孵化绩效差。", "基本合格！", "服务有待加强"), strict=True):
        h.complete("evaluation_score", assignee=expert, expert_score={**expert_score(expert, 60), "comments": comments})
    h.complete("confirm_grade")
    [told] = [n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == operator.id))
              if "绩效考核结果" in n.text]
    assert "专家意见：孵化绩效差。基本合格！服务有待加强。" in told, told
    assert "。；" not in told and "！；" not in told and "。。" not in told, told
