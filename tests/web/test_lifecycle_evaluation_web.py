"""A recognised space's evaluation, revocation and leaving (Art. 18–20) through the web routes."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import (
    ChangeFiling,
    Evaluation,
    ProcessInstance,
    PublicNotice,
)

from .conftest import pdf
from .flow import move_clock, user
from .lifecycle import (
    HALF_YEAR,
    REPORT,
    SELF_ASSESSMENT,
    SPACE_NAME,
    field_errors,
    forbidden,
    inbox_links,
    inbox_task,
    move_clock_to,
    next_timer,
    open_tasks,
    page,
    reports,
    sheet_answers,
    sheet_items,
    space,
    submit,
    until_half_year_report,
)

# ---- three-yearly evaluation (R16–R20) ----------------------------------------------------------------


def live_until_self_assessment(login, space_id) -> tuple[int, int]:
    """Let the clock run from timer to timer, the operator submitting every half-year report as soon
    as it opens, until the self-assessment is in the operator's inbox. Returns (task id, reports)."""
    operator = login("applicant_a")
    submitted = 0
    for _ in range(100):
        links = inbox_links(operator)
        if SELF_ASSESSMENT in links:
            return inbox_task(operator, SELF_ASSESSMENT), submitted
        if HALF_YEAR in links:
            submit(operator, inbox_task(operator, HALF_YEAR), REPORT)
            submitted += 1
            continue
        when = next_timer(space_id)
        assert when is not None, [t.task_spec for t in open_tasks(space_id)]
        move_clock_to(when)
    raise AssertionError("the self-assessment never arrived")


def test_evaluation_after_three_years_through_every_role(login, world, space_id):
    operator, torch, approver = login("applicant_a"), login("torch1"), login("approver")
    experts = {name: user(world, name) for name in ("expert1", "expert2", "expert3", "expert4", "expert_conflict")}
    task_id, submitted = live_until_self_assessment(login, space_id)
    # three years after recognition (R16), every half-year report on time, the space still recognised
    assert datetime(2029, 3, 2) <= clock.now().replace(tzinfo=None) < datetime(2029, 3, 4), clock.now()
    assert submitted >= 5 and {r.status for r in reports(space_id)} == {"on_time"}
    assert space(space_id).status == "recognised"
    assert SELF_ASSESSMENT not in inbox_links(login("applicant_b"))
    forbidden(login("applicant_b"), "get", f"/tasks/{task_id}")

    response = operator.post(f"/tasks/{task_id}", {"self_assessment": "三年运营情况自评", "self_score": "121",
                                                    "file_assessment_materials": pdf("自评报告.pdf")})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "self_score")
    # the materials the diagram asks for are required
    response = operator.post(f"/tasks/{task_id}", {"self_assessment": "三年运营情况自评", "self_score": "88"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "file_assessment_materials")
    submit(operator, task_id, {"self_assessment": "三年运营情况自评：服务团队 120 个，孵化企业 15 家", "self_score": "88",
                               "file_assessment_materials": pdf("自评报告.pdf")})
    assert SELF_ASSESSMENT not in inbox_links(operator)

    # Torch Center: material review, then the panel
    review_id = inbox_task(torch, "考核材料审核")
    assert "考核材料审核" in inbox_links(login("torch2"))  # a group task: every Torch Center user sees it
    assert "考核材料审核" not in inbox_links(operator)
    submit(torch, review_id, {"materials_false": "no", "material_comments": "材料齐全、真实"})
    organise_id = inbox_task(torch, "组织考核专家评分")
    html = page(torch, f"/tasks/{organise_id}")
    offered = {int(v) for v in re.findall(r'name="panel_experts" type="checkbox" value="(\d+)"', html)}
    assert offered == {experts[n].id for n in ("expert1", "expert2", "expert3", "expert4")}
    assert experts["expert_conflict"].id not in offered  # works for the space's own organisation
    # neither too small a panel nor a conflicted expert is accepted
    for panel in (["expert1", "expert2"], ["expert1", "expert2", "expert_conflict"]):
        response = torch.post(f"/tasks/{organise_id}", {"panel_experts": [str(experts[n].id) for n in panel]})
        assert response.status_code == 422, panel
        assert field_errors(response.get_data(as_text=True), "panel_experts"), panel
    assert "专家考核评分" not in inbox_links(login("expert1"))
    submit(torch, organise_id, {"panel_experts": [str(experts[n].id) for n in ("expert1", "expert2", "expert3")]})

    # each expert sees only its own scoring task
    score_ids = {name: inbox_task(login(name), "专家考核评分") for name in ("expert1", "expert2", "expert3")}
    assert len(set(score_ids.values())) == 3
    for name in ("expert4", "expert_conflict"):
        assert "专家考核评分" not in inbox_links(login(name))
        forbidden(login(name), "get", f"/tasks/{score_ids['expert1']}")
    forbidden(login("expert1"), "get", f"/tasks/{score_ids['expert2']}")
    forbidden(login("expert2"), "post", f"/tasks/{score_ids['expert3']}", {"comments": "冒名评分"})
    # item by item on the sheet (bpmn/evaluation_sheet.dmn); an item above its maximum is refused
    html = page(login("expert1"), f"/tasks/{score_ids['expert1']}")
    # the space is named, not linked: its dossier is not the expert's to open (the link led to 无权访问)
    assert f'href="/spaces/{space_id}"' not in html and SPACE_NAME in html
    items = sheet_items(html)
    assert len(items) == 21 and sum(m for m, _ in items.values()) == 120
    over = sheet_answers(items, 1.0, 1.0)
    over["item_A1"] = "4.5"  # A1 is worth 4
    response = login("expert1").post(f"/tasks/{score_ids['expert1']}", {**over, "comments": "x"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "item_A1")
    # base 72 + bonus 6 = 78; 75 + 5 = 80; 78 + 4 = 82
    for name, (base, bonus) in {"expert1": (72, 6), "expert2": (75, 5), "expert3": (78, 4)}.items():
        assert "confirm_grade" not in [t.task_spec for t in open_tasks(space_id)]
        submit(login(name), score_ids[name], {**sheet_answers(items, base / 100, bonus / 20),
                                              "comments": f"{name} 按指标体系评分"})
        assert "专家考核评分" not in inbox_links(login(name))

    # the Department confirms: mean of 78, 80, 82 = 80 → 良好 (R18)
    confirm_id = inbox_task(approver, "确认考核等级")
    html = page(approver, f"/tasks/{confirm_id}")
    assert "<strong>80.00</strong>" in html and "expert2 按指标体系评分" in html  # the combined panel score
    assert db.session.scalar(select(func.count(Evaluation.id))) == 0
    submit(approver, confirm_id, {"confirm_comments": "同意"})

    [evaluation] = db.session.scalars(select(Evaluation).where(Evaluation.space_id == space_id)).all()
    assert evaluation.grade == "good" and float(evaluation.score) == 80.0
    notice = db.session.scalar(select(PublicNotice).where(PublicNotice.subject_type == "space",
                                                         PublicNotice.subject_id == space_id))
    assert notice is not None and notice.grade == "good"
    for viewer in (operator, login("recommender_a"), torch):
        html = page(viewer, f"/spaces/{space_id}")
        assert "良好" in html and "80.00" in html
        assert "300,000" not in html  # no award while the result is publicly noticed
    assert "公示期满无异议后，给予奖励性补助 30 万元" in page(operator, "/notifications")
    assert "绩效考核结果：良好" in page(login("recommender_a"), "/notifications")  # its unit is told too (it was not)
    move_clock(days=14)  # the 5-working-day notice ends without objection: the award (R19)
    for viewer in (operator, login("recommender_a"), torch):
        assert "300,000" in page(viewer, f"/spaces/{space_id}")
    public = page(login(None), "/public/notices")  # no login needed
    assert f"众创空间绩效考核结果公示：{SPACE_NAME} — 良好" in public
    # the operator was told
    assert "绩效考核结果：良好" in page(operator, "/notifications")
    assert space(space_id).status == "recognised"
    # every evaluation task is done (the half-year report due on the same day runs on in parallel, R14)
    assert [t.task_spec for t in open_tasks(space_id) if t.task_spec != "half_year_report"] == []


# ---- violation (R22) and leaving the system (Art. 9) ------------------------------------------------


def test_violation_revokes_and_ends_every_open_task(login, world, space_id):
    operator, unit, torch, approver = login("applicant_a"), login("recommender_a"), login("torch1"), login("approver")
    dossier = f"/spaces/{space_id}"
    # open work of the space: the half-year report, and a change filing waiting at the recommending unit
    report_id = until_half_year_report(login)
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    change_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    submit(operator, change_id, {"change_type": "operator", "new_organisation_name": "鹿城众创孵化服务有限公司",
                                 "new_organisation_credit_code": "91150100MA0Q1B2C3D", "change_description": "运营机构变更",
                                 "file_change_evidence": pdf("营业执照.pdf")})
    forward_id = inbox_task(unit, "推荐单位审核转报")

    # who may report: not another unit, not the operator; the form needs a description
    violation = {"violation_type": "blacklist", "violation_description": "运营机构被列入失信黑名单"}
    forbidden(login("recommender_b"), "post", f"{dossier}/violations", violation)
    forbidden(operator, "post", f"{dossier}/violations", violation)
    response = torch.post(f"{dossier}/violations", {"violation_type": "blacklist", "violation_description": ""},
                          from_page=dossier)
    assert response.status_code == 302 and "调查核实" not in inbox_links(torch)
    response = torch.post(f"{dossier}/violations", violation, from_page=dossier)
    assert response.status_code == 302

    investigate_id = inbox_task(torch, "调查核实")
    assert "运营机构被列入失信黑名单" in page(torch, f"/tasks/{investigate_id}")  # what was reported
    assert "调查核实" not in inbox_links(approver)
    submit(torch, investigate_id, {"violation_findings": "经核实，已列入失信黑名单"})
    decide_id = inbox_task(approver, "撤销决定")
    assert "撤销决定" not in inbox_links(torch)
    assert space(space_id).status == "recognised"
    submit(approver, decide_id, {"revoke": "yes", "decision_reason": "列入失信黑名单（第二十条）"})

    assert space(space_id).status == "revoked"
    assert open_tasks(space_id) == []
    assert db.session.get(ProcessInstance, space(space_id).lifecycle_instance_id).status == "completed"
    for name in ("applicant_a", "recommender_a", "torch1", "torch2", "approver"):
        links = inbox_links(login(name))
        assert not {HALF_YEAR, "推荐单位审核转报", "调查核实", "撤销决定"} & set(links), (name, links)
    # the open tasks can no longer be completed either
    response = operator.post(f"/tasks/{report_id}", REPORT, from_page="/")
    assert response.status_code == 302 and reports(space_id) == []
    response = unit.post(f"/tasks/{forward_id}", {"forward_decision": "forward", "forward_comments": ""}, from_page="/")
    assert response.status_code == 302 and db.session.scalar(select(func.count(ChangeFiling.id))) == 0
    # the dossier shows the revocation and offers no more actions
    for viewer in (operator, unit, torch, approver):
        html = page(viewer, dossier)
        assert "已撤销" in html
        for action in ("/changes", "/violations", "/leave"):
            assert f'action="/spaces/{space_id}{action}"' not in html, (viewer.username, action)
    forbidden(operator, "post", f"{dossier}/changes")
    forbidden(torch, "post", f"{dossier}/violations", violation)
    forbidden(torch, "post", f"{dossier}/leave", {"designation": "incubator"})
    assert "状态变更：已撤销。列入失信黑名单（第二十条）。" in page(operator, "/notifications")
    # time goes on: nothing of the space comes back
    move_clock(days=400)
    assert open_tasks(space_id) == [] and reports(space_id) == []
    assert HALF_YEAR not in inbox_links(operator)


def test_violation_not_upheld_keeps_the_space(login, world, space_id):
    torch, approver = login("torch1"), login("approver")
    dossier = f"/spaces/{space_id}"
    response = login("recommender_a").post(f"{dossier}/violations", {
        "violation_type": "safety_accident", "violation_description": "消防检查发现隐患"}, from_page=dossier)
    assert response.status_code == 302
    submit(torch, inbox_task(torch, "调查核实"), {"violation_findings": "隐患已整改，不属于重大安全事故"})
    submit(approver, inbox_task(approver, "撤销决定"), {"revoke": "no", "decision_reason": "不属于重大安全事故"})
    assert space(space_id).status == "recognised"
    assert f'action="/spaces/{space_id}/changes"' in page(login("applicant_a"), dossier)
    until_half_year_report(login)  # its life goes on


def test_leaving_the_system_ends_the_lifecycle(login, world, space_id):
    torch, operator = login("torch1"), login("applicant_a")
    dossier = f"/spaces/{space_id}"
    until_half_year_report(login)
    forbidden(operator, "post", f"{dossier}/leave", {"designation": "incubator"})
    forbidden(login("approver"), "post", f"{dossier}/leave", {"designation": "incubator"})
    assert f'action="/spaces/{space_id}/leave"' in page(torch, dossier)
    response = torch.post(f"{dossier}/leave", {"designation": "incubator"}, from_page=dossier)
    assert response.status_code == 302
    assert space(space_id).status == "left"
    assert db.session.get(ProcessInstance, space(space_id).lifecycle_instance_id).status == "completed"
    assert open_tasks(space_id) == []
    assert HALF_YEAR not in inbox_links(operator)
    html = page(torch, dossier)
    assert "已退出本体系" in html and f'action="/spaces/{space_id}/leave"' not in html
    assert "状态变更：已退出本体系" in page(operator, "/notifications")
    forbidden(torch, "post", f"{dossier}/leave", {"designation": "incubator"})
    forbidden(operator, "post", f"{dossier}/changes")
    move_clock(days=400)
    assert open_tasks(space_id) == [] and space(space_id).status == "left"

