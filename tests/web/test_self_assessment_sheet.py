"""The operator's self-assessment page shows the indicator system it asks the operator to assess against:
each indicator of the sheet the evaluation's experts will score on, with its points, by dimension, and the
base and bonus totals. The sheet is the decision table the diagram names (evaluation_sheet.dmn, in the
version the evaluation runs on), so a designer's edit of the table changes the page with no Python change
(found walking the demo as an operator: the page said 绩效考核指标体系 and showed none of it)."""

from __future__ import annotations

import re

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from .lifecycle import page
from .test_lifecycle_evaluation_web import live_until_self_assessment


def shown_sheet(html: str) -> dict[str, tuple[str, str]]:
    """The indicators on the page: code -> (indicator, points)."""
    rows = re.findall(r'<tr data-code="(\w+)"><td>\w+</td><td>([^<]*)</td><td class="points">([^<]*)</td></tr>', html)
    return {code: (label, points) for code, label, points in rows}


def test_the_self_assessment_page_shows_the_indicators_with_their_points(login, world, space_id):
    task_id, _ = live_until_self_assessment(login, space_id)
    html = page(login("applicant_a"), f"/tasks/{task_id}")
    sheet = shown_sheet(html)
    assert len(sheet) == 21  # the 15 base and 6 bonus indicators of evaluation-defaults.md
    assert sheet["A1"] == ("场地面积与公共场地占比（不低于 50%）", "4")
    assert sheet["C1"] == ("每年新入驻团队/企业（不少于 6 家）", "10")
    assert sheet["E1"] == ("备案为国家众创空间或国家专业化众创空间", "6")
    assert "A 基础条件与运营管理（15 分）" in html and "C 孵化绩效（40 分）" in html  # each dimension's points
    assert "基础分合计 100 分" in html and "附加分合计 20 分" in html


def test_an_edited_indicator_table_changes_the_page(app, login, world, space_id):
    files = read_directory(app.config["BPMN_DIR"])
    table = files["evaluation_sheet.dmn"]
    # A1 renamed and worth 6 instead of 4, D3 worth 3 instead of 5 (the base still adds up to 100), E6 dropped
    edited = table.replace("场地面积与公共场地占比（不低于 50%）", "场地面积、公共场地占比与使用率")
    edited = re.sub(r'(id="sheet_rule_1_max"><text>)4(</text>)', r"\g<1>6\2", edited)
    edited = re.sub(r'(id="sheet_rule_15_max"><text>)5(</text>)', r"\g<1>3\2", edited)
    edited = re.sub(r'<rule id="sheet_rule_21">.*?</rule>', "", edited, flags=re.S)
    assert edited.count("sheet_rule_21") == 0 and edited != table
    deploy({**files, "evaluation_sheet.dmn": edited}, note="A1 renamed, worth 6")
    db.session.commit()

    task_id, _ = live_until_self_assessment(login, space_id)  # this evaluation starts after the deploy
    html = page(login("applicant_a"), f"/tasks/{task_id}")
    sheet = shown_sheet(html)
    assert sheet["A1"] == ("场地面积、公共场地占比与使用率", "6") and sheet["D3"][1] == "3"
    assert "E6" not in sheet and len(sheet) == 20
    assert "场地面积与公共场地占比（不低于 50%）" not in html
    assert "A 基础条件与运营管理（17 分）" in html and "附加分合计 18 分" in html
