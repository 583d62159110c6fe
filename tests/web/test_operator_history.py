"""What an operator (运营机构) reads in the history of its space's own procedures, on its task pages: each
decision, and the reason of one that goes against it or sends its filing back (webapp/decisions.py); never the
experts, their scores and comments, the reviewers' remarks beside a favourable decision, an objection's findings
or the objector. (Found: every step of a change filing, an evaluation and a national filing read 已完成.)"""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.history import history_for
from webapp.models import ProcessInstance, PublicNotice

from .applicant_view import section
from .conftest import pdf
from .flow import move_clock, user
from .lifecycle import (
    HALF_YEAR,
    SELF_ASSESSMENT,
    inbox_links,
    inbox_task,
    move_clock_to,
    next_timer,
    page,
    sheet_answers,
    sheet_items,
    submit,
)
from .test_lifecycle_evaluation_web import live_until_self_assessment

EXPERTS = ("expert1", "expert2", "expert3")


def history_of(browser, task_id: int) -> str:
    return section(page(browser, f"/tasks/{task_id}"), "history")


def decisions_read(app, world, process_id: str, username: str) -> set[tuple[str, str]]:
    """(decision, reason) of the one case of `process_id` as `username` would read them, for a case no page of
    this person shows (no step left for it)."""
    instance_id = db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.process_id == process_id))
    with app.test_request_context("/"):
        return {(row.decision, row.reason) for row in history_for(instance_id, user(world, username)) if row.decision}


# ---- change filing -------------------------------------------------------------------------------------


def test_a_change_filing_sent_back_says_so_and_why_and_the_department_reads_every_decision(login, world, space_id):
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    dossier = f"/spaces/{space_id}"
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    change_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    change = {"change_type": "direction", "new_direction": "人工智能与智能制造", "change_description": "经营方向调整"}
    submit(operator, change_id, {**change, "file_change_evidence": pdf("董事会决议.pdf")})
    submit(unit, inbox_task(unit, "推荐单位审核转报"), {"forward_decision": "return", "forward_comments": "请附董事会决议"})

    again = inbox_task(operator, "提交变更报备")
    history = history_of(operator, again)
    assert "退回运营机构补充" in history and "请附董事会决议" in history

    submit(operator, again, change)
    submit(unit, inbox_task(unit, "推荐单位审核转报"), {"forward_decision": "forward", "forward_comments": "已电话核实情况"})
    history = history_of(approver, inbox_task(approver, "科技厅备案确认"))
    assert "退回运营机构补充" in history and "转报科技厅" in history and "已电话核实情况" in history


# ---- three-yearly evaluation ---------------------------------------------------------------------------

INTERNAL = {
    "material_comments": "自评材料已逐项核对",
    "expert_comments": "孵化服务有特色",
    "confirm_comments": "同意专家组意见",
    "objector": "张三",
    "objection_reasons": "在孵企业数量与实际不符",
    "objection_findings": "核实在孵企业仅九家",
}
ANSWER = "异议成立：在孵企业数量与证明材料不符，重新审核评分"
RETURN_REASON = "请补充在孵企业入驻协议"


def evaluated(login, world, space_id, base_share: float, bonus_share: float) -> None:
    """Self-assessment, a material review that finds nothing false, the panel, every expert at the same
    share of each item, and the Department's confirmation: the result's notice runs."""
    operator, torch, approver = login("applicant_a"), login("torch1"), login("approver")
    task_id, _ = live_until_self_assessment(login, space_id)
    submit(operator, task_id, {"self_assessment": "三年运营情况自评", "self_score": "90",
                               "file_assessment_materials": pdf("自评报告.pdf")})
    submit(torch, inbox_task(torch, "考核材料审核"),
           {"materials_false": "no", "material_comments": INTERNAL["material_comments"]})
    submit(torch, inbox_task(torch, "组织考核专家评分"), {"panel_experts": [str(user(world, n).id) for n in EXPERTS]})
    tasks = {name: inbox_task(login(name), "专家考核评分") for name in EXPERTS}
    items = sheet_items(page(login("expert1"), f"/tasks/{tasks['expert1']}"))
    for name in EXPERTS:
        submit(login(name), tasks[name], {**sheet_answers(items, base_share, bonus_share),
                                          "comments": f"{name}：{INTERNAL['expert_comments']}"})
    submit(approver, inbox_task(approver, "确认考核等级"), {"confirm_comments": INTERNAL["confirm_comments"]})


def test_the_operator_reads_the_evaluation_s_decisions_and_nothing_of_the_panel_or_the_objection(login, world, space_id):
    operator, torch, approver = login("applicant_a"), login("torch1"), login("approver")
    evaluated(login, world, space_id, 0.75, 0.25)  # 75 + 5 = 80 → 良好
    # An objection to the result, upheld: the result is withdrawn and the materials reviewed again.
    notice = db.session.scalars(select(PublicNotice).where(PublicNotice.subject_type == "space")).one()
    dossier = f"/spaces/{space_id}"
    torch.post(f"/notices/{notice.id}/objections", {
        "objector_kind": "individual", "objector": INTERNAL["objector"], "contact": "13900000000",
        "reasons": INTERNAL["objection_reasons"], "next": dossier}, from_page=dossier)
    investigation = inbox_task(torch, "考核结果异议调查核实")
    # the investigation checks the objection against the scores it is about (the page did not show them)
    assert "专家组综合得分" in page(torch, f"/tasks/{investigation}")
    submit(torch, investigation, {"objection_findings": INTERNAL["objection_findings"]})
    submit(approver, inbox_task(approver, "考核结果异议处理决定"), {"objection_upheld": "yes", "objection_answer": ANSWER})
    review_id = inbox_task(torch, "考核材料审核")
    response = torch.post(f"/tasks/{review_id}/return", {"target": "self_assessment", "reason": RETURN_REASON},
                          from_page=f"/tasks/{review_id}")
    assert response.status_code == 302

    task_id = inbox_task(operator, SELF_ASSESSMENT)
    html = page(operator, f"/tasks/{task_id}")
    history = section(html, "history")
    # every decision, and the reasons written to the operator
    for decision in ("考核材料真实", "确认为良好", "异议成立", ANSWER, "退回", RETURN_REASON, "评审专家"):
        assert decision in history, decision
    # never the panel, the remarks beside favourable decisions, the investigation or the objector
    for internal in INTERNAL.values():
        assert internal not in history, internal
    for name in EXPERTS:
        assert name not in html, name

    # the Torch Center reads every remark beside the decisions
    submit(operator, task_id, {"self_assessment": "已补充入驻协议", "self_score": "85",
                               "file_assessment_materials": pdf("入驻协议.pdf")})
    staff = history_of(torch, inbox_task(torch, "考核材料审核"))
    for remark in ("考核材料真实", INTERNAL["material_comments"], "确认为良好", INTERNAL["confirm_comments"], ANSWER):
        assert remark in staff, remark


def test_false_materials_tell_the_operator_why_it_failed(app, login, world, space_id):
    operator, torch = login("applicant_a"), login("torch1")
    task_id, _ = live_until_self_assessment(login, space_id)
    submit(operator, task_id, {"self_assessment": "三年运营情况自评", "self_score": "90",
                               "file_assessment_materials": pdf("自评报告.pdf")})
    submit(torch, inbox_task(torch, "考核材料审核"), {"materials_false": "yes", "material_comments": "在孵企业名单与工商登记不符"})
    approver = login("approver")
    submit(approver, inbox_task(approver, "确认考核等级"), {"confirm_comments": "材料虚假，视为不合格"})
    shown = decisions_read(app, world, "evaluation", "applicant_a")
    assert ("考核材料存在虚假内容，视为不合格", "在孵企业名单与工商登记不符") in shown
    assert ("确认为不合格", "材料虚假，视为不合格") in shown


# ---- national filing -----------------------------------------------------------------------------------


def test_the_operator_reads_the_national_filing_in_its_space_s_history(login, world, space_id):
    operator, approver = login("applicant_a"), login("approver")
    evaluated(login, world, space_id, 1.0, 1.0)  # 100 + 20 → 优秀: recommended for national filing (Art. 15)
    move_clock(days=14)  # the result notice ends without objection
    submit(approver, inbox_task(approver, "国家备案推荐与结果登记"), {"national_filing_result": "national"})
    for _ in range(10):  # the next half-year report of the space's life
        if HALF_YEAR in inbox_links(operator):
            break
        move_clock_to(next_timer(space_id))
    history = history_of(operator, inbox_task(operator, HALF_YEAR))
    assert "已备案为国家众创空间" in history


# ---- violation case ------------------------------------------------------------------------------------


def test_a_revocation_tells_why_and_keeps_the_investigation_to_the_staff(app, login, world, space_id):
    torch, approver = login("torch1"), login("approver")
    dossier = f"/spaces/{space_id}"
    torch.post(f"{dossier}/violations", {"violation_type": "blacklist", "violation_description": "运营机构被列入失信黑名单"},
               from_page=dossier)
    submit(torch, inbox_task(torch, "调查核实"), {"violation_findings": "经核实，已列入失信黑名单，证据见附件"})
    submit(approver, inbox_task(approver, "撤销决定"), {"revoke": "yes", "decision_reason": "列入失信黑名单（第二十条）"})
    # No page shows this case to the operator (not even that it runs); if one did, this is what it would read
    # (the investigation's findings are no decision: the staff read them on the steps).
    assert decisions_read(app, world, "violation_case", "applicant_a") == {("撤销众创空间资格", "列入失信黑名单（第二十条）")}


def test_a_violation_not_upheld_keeps_its_reasons_to_the_staff(app, login, world, space_id):
    torch, approver = login("torch1"), login("approver")
    dossier = f"/spaces/{space_id}"
    torch.post(f"{dossier}/violations", {"violation_type": "safety_accident", "violation_description": "消防检查发现隐患"},
               from_page=dossier)
    submit(torch, inbox_task(torch, "调查核实"), {"violation_findings": "隐患已整改"})
    submit(approver, inbox_task(approver, "撤销决定"), {"revoke": "no", "decision_reason": "情节轻微，已约谈运营负责人"})
    assert decisions_read(app, world, "violation_case", "applicant_a") == {("不予撤销", "")}
    assert decisions_read(app, world, "violation_case", "supervisor") == {("不予撤销", "情节轻微，已约谈运营负责人")}
