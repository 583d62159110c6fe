"""Issue 6 in the browser's terms (Flask test client): what people see and keep.

- an evaluation scored item by item gets the grade the table says;
- changing one item's maximum in the decision table needs no Python change;
- a returned change filing opens with its text and its files;
- the missing-report warning names the count;
- a national professional filing brings its award without an evaluation, from the dossier;
- a re-evaluation that will revoke says so before the click."""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import Attachment, Award, Notification

from .conftest import pdf
from .flow import move_clock, user
from .lifecycle import (
    HALF_YEAR,
    REPORT,
    field_errors,
    forbidden,
    inbox_links,
    inbox_task,
    page,
    sheet_answers,
    sheet_items,
    space,
    submit,
    until_half_year_report,
)
from .test_lifecycle_evaluation_web import live_until_self_assessment

EXPERTS = ("expert1", "expert2", "expert3")


def to_expert_scoring(login, world, space_id) -> dict[str, int]:
    """Self-assessment, material review and panel; returns each expert's scoring task id."""
    operator, torch = login("applicant_a"), login("torch1")
    task_id, _ = live_until_self_assessment(login, space_id)
    submit(operator, task_id, {"self_assessment": "自评", "self_score": "90", "file_assessment_materials": pdf("自评.pdf")})
    submit(torch, inbox_task(torch, "考核材料审核"), {"materials_false": "no", "material_comments": "齐全"})
    submit(torch, inbox_task(torch, "组织考核专家评分"),
           {"panel_experts": [str(user(world, n).id) for n in EXPERTS]})
    return {name: inbox_task(login(name), "专家考核评分") for name in EXPERTS}


def test_an_evaluation_scored_item_by_item_gets_the_grade_the_table_says(login, world, space_id):
    tasks = to_expert_scoring(login, world, space_id)
    items = sheet_items(page(login("expert1"), f"/tasks/{tasks['expert1']}"))
    # every item at its maximum: base 100 + bonus 20 = 120 → 优秀 (85 and up)
    for name in EXPERTS:
        submit(login(name), tasks[name], {**sheet_answers(items, 1.0, 1.0), "comments": "各项均达满分"})
    approver = login("approver")
    html = page(approver, f"/tasks/{inbox_task(approver, '确认考核等级')}")
    assert "<strong>120.00</strong>" in html and "优秀" in html


def test_at_85_exactly_the_grade_is_excellent_and_just_below_is_good(login, world, space_id):
    tasks = to_expert_scoring(login, world, space_id)
    items = sheet_items(page(login("expert1"), f"/tasks/{tasks['expert1']}"))
    # base 75 + bonus 10 = 85.00 (含) for two experts, 84.97 for the third → mean 84.99 → 良好
    answers = sheet_answers(items, 0.75, 0.5)
    for name in ("expert1", "expert2"):
        submit(login(name), tasks[name], {**answers, "comments": "85"})
    lower = dict(answers)
    lower["item_A1"] = f"{float(answers['item_A1']) - 0.03:.2f}"
    submit(login("expert3"), tasks["expert3"], {**lower, "comments": "84.97"})
    approver = login("approver")
    html = page(approver, f"/tasks/{inbox_task(approver, '确认考核等级')}")
    assert "<strong>84.99</strong>" in html and "良好" in html


def test_changing_one_items_maximum_needs_no_python_change(app, login, world, space_id):
    files = read_directory(app.config["BPMN_DIR"])
    sheet = files["evaluation_sheet.dmn"]
    # A1 (area and public-area share) worth 6 instead of 4, D3 worth 3 instead of 5: the base still adds to 100
    edited = re.sub(r'(id="sheet_rule_1_max"><text>)4(</text>)', r"\g<1>6\2", sheet)
    edited = re.sub(r'(id="sheet_rule_15_max"><text>)5(</text>)', r"\g<1>3\2", edited)
    assert edited != sheet
    deploy({**files, "evaluation_sheet.dmn": edited}, note="A1 worth 6 points")
    db.session.commit()

    tasks = to_expert_scoring(login, world, space_id)  # this evaluation starts after the deploy
    expert = login("expert1")
    items = sheet_items(page(expert, f"/tasks/{tasks['expert1']}"))
    assert items["A1"] == (6.0, "base") and items["D3"] == (3.0, "base")
    answers = sheet_answers(items, 1.0, 1.0)
    answers["item_A1"] = "6.5"
    response = expert.post(f"/tasks/{tasks['expert1']}", {**answers, "comments": "x"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "item_A1")
    answers["item_A1"] = "6"  # worth 4 before the edit: accepted now
    submit(expert, tasks["expert1"], {**answers, "comments": "满分"})


def test_a_returned_change_filing_opens_with_its_text_and_files(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    dossier = f"/spaces/{space_id}"
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    request_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    html = page(operator, f"/tasks/{request_id}")
    # the kinds of change are the diagram's (choices.change_type), shown by their names
    assert ">场地面积<" in html and ">运营机构<" in html and ">经营方向<" in html
    submit(operator, request_id, {"change_type": "area", "change_description": "场地扩至 1600 平方米",
                                  "new_total_area_m2": "1600", "file_change_evidence": pdf("新租赁合同.pdf")})
    submit(unit, inbox_task(unit, "推荐单位审核转报"), {"forward_decision": "return", "forward_comments": "请补充产权证明"})

    again = page(operator, f"/tasks/{inbox_task(operator, '提交变更报备')}")
    assert "变更报备被推荐单位退回：请补充产权证明" in again  # why it is back
    assert "场地扩至 1600 平方米</textarea>" in again  # what was typed, kept
    assert re.search(r'<option selected value="area">|<option value="area" selected>', again)
    assert "新租赁合同.pdf" in again  # the file handed in before
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert attachment.space_id == space_id and attachment.kind_label == "变更证明材料"
    told = db.session.scalars(select(Notification.text).where(Notification.user_id == user(world, "applicant_a").id)).all()
    assert any("变更报备被推荐单位退回：请补充产权证明" in t for t in told), told


def test_the_missing_report_warning_names_the_count(login, world, space_id):
    operator = login("applicant_a")
    until_half_year_report(login)
    move_clock(days=184)  # the period passes unreported: recorded missing when the next one opens
    html = page(operator, "/notifications")
    assert "已连续 1 期未报送" in html and "再有 3 期未报送" in html
    submit(operator, inbox_task(operator, HALF_YEAR), REPORT)  # the next one on time: no new warning
    move_clock(days=184)
    assert page(operator, "/notifications").count("期未报送（连续两年）") == 1


def test_a_national_professional_filing_from_the_dossier_brings_its_award(login, world, space_id):
    approver = login("approver")
    dossier = f"/spaces/{space_id}"
    assert f'action="/spaces/{space_id}/national-filing"' in page(approver, dossier)
    assert f'action="/spaces/{space_id}/national-filing"' not in page(login("torch1"), dossier)
    response = approver.post(f"{dossier}/national-filing", {}, from_page=dossier)
    task_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    html = page(approver, f"/tasks/{task_id}")
    assert "国家专业化众创空间（第十六条）" in html
    submit(approver, task_id, {"national_filing_result": "national_professional", "filing_reference": "国科火字〔2026〕8号"})
    assert [(a.kind, a.amount) for a in db.session.scalars(select(Award))] == [("national_professional", 500000)]
    assert space(space_id).status == "national_professional"
    html = page(login("applicant_a"), dossier)
    assert "500,000" in html and "national_professional" not in html


def test_a_reevaluation_that_will_revoke_says_so_before_the_click(login, world, space_id):
    approver = login("approver")

    def grade_and_confirm(base_share):
        tasks = to_expert_scoring(login, world, space_id)
        items = sheet_items(page(login("expert1"), f"/tasks/{tasks['expert1']}"))
        for name in EXPERTS:
            submit(login(name), tasks[name], {**sheet_answers(items, base_share, 0), "comments": "不合格"})
        return inbox_task(approver, "确认考核等级")

    first = grade_and_confirm(0.4)
    assert 'id="task-warning"' not in page(approver, f"/tasks/{first}")  # a first fail: rectification
    submit(approver, first, {"confirm_comments": ""})
    move_clock(days=14)
    assert space(space_id).status == "rectification"
    again = grade_and_confirm(0.4)  # the re-evaluation after the year of rectification, still failing
    html = page(approver, f"/tasks/{again}")
    assert 'id="task-warning"' in html and "将取消该空间的众创空间资格" in html
    assert "确认考核等级" in inbox_links(approver)


def test_a_failed_eligibility_check_says_which_conditions_failed(login, world):
    from .flow import start_application, submit_application

    applicant = login("applicant_a")
    application_id = start_application(applicant)
    response = submit_application(login, application_id, controlled_area_m2="499", mentors="0")
    followed = applicant.get(response.headers["Location"]).get_data(as_text=True)
    # not the green "done": a warning that names each failed condition, on the reopened step
    assert 'class="flash warning"' in followed and 'class="flash success"' not in followed
    assert "申报未通过资格审查" in followed and "500" in followed
    assert 'id="task-because"' in followed
    told = db.session.scalars(select(Notification.text).where(Notification.user_id == user(world, "applicant_a").id)).all()
    assert any("申报未通过资格审查" in t and "500" in t for t in told), told


def test_a_task_taken_or_done_says_what_happened_in_chinese(login, world):
    from .flow import open_task, start_application, submit_application

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    login("recommender_a").post(f"/tasks/{open_task(application_id, 'recommender_review').id}", {
        "recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""})
    task = open_task(application_id, "material_review")
    torch1, torch2 = login("torch1"), login("torch2")
    torch1.post(f"/tasks/{task.id}/claim", {}, from_page="/")
    # a colleague's claim: said before anyone types, the form read-only, and a post refused in Chinese
    html = page(torch2, f"/tasks/{task.id}")
    assert 'id="task-claimed"' in html and "认领" in html and "<fieldset class=\"plain\" disabled>" in html
    response = torch2.post(f"/tasks/{task.id}", {"material_decision": "complete", "material_comments": ""})
    assert "已由" in torch2.get(response.headers["Location"]).get_data(as_text=True)
    submit(torch1, task.id, {"material_decision": "complete", "material_comments": ""})
    # an old notification's link to a step already done
    response = torch2.get(f"/tasks/{task.id}")
    followed = torch2.get(response.headers["Location"]).get_data(as_text=True)
    assert "此环节已由" in followed and "办理完毕" in followed


def test_an_objection_to_an_evaluation_result_reaches_its_case_and_a_late_one_is_refused(login, world, space_id):
    from webapp.models import Objection, PublicNotice

    tasks = to_expert_scoring(login, world, space_id)
    items = sheet_items(page(login("expert1"), f"/tasks/{tasks['expert1']}"))
    for name in EXPERTS:
        submit(login(name), tasks[name], {**sheet_answers(items, 0.8, 0.5), "comments": "优秀"})
    approver, torch = login("approver"), login("torch1")
    submit(approver, inbox_task(approver, "确认考核等级"), {"confirm_comments": ""})
    notice = db.session.scalars(select(PublicNotice).where(PublicNotice.subject_type == "space")).one()
    dossier = f"/spaces/{space_id}"
    objection = {"objector_kind": "individual", "objector": "张三", "contact": "13900000000",
                 "reasons": "在孵企业数量与实际不符", "next": dossier}
    forbidden(login("applicant_a"), "post", f"/notices/{notice.id}/objections", objection)
    response = torch.post(f"/notices/{notice.id}/objections", objection, from_page=dossier)
    assert "异议已登记" in torch.get(response.headers["Location"]).get_data(as_text=True)
    assert "考核结果异议调查核实" in inbox_links(torch)  # the case's diagram took the message
    submit(torch, inbox_task(torch, "考核结果异议调查核实"), {"objection_findings": "经核实不属实"})
    submit(approver, inbox_task(approver, "考核结果异议处理决定"), {"objection_upheld": "no", "objection_answer": "不成立"})
    move_clock(days=14)  # the notice ends: an objection now is refused, and the refusal recorded
    response = torch.post(f"/notices/{notice.id}/objections", objection, from_page=dossier)
    assert "未予受理" in torch.get(response.headers["Location"]).get_data(as_text=True)
    refused = db.session.scalars(select(Objection).where(Objection.refused_reason != "")).all()
    assert len(refused) == 1 and refused[0].notice_id == notice.id
    assert [a.amount for a in db.session.scalars(select(Award))] == [400000]  # 80 + 10: 优秀, after the notice
