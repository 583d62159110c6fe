"""The case page in Chromium (issue 8, acceptance): a supervisor opens a case and sees it on its diagram, drawn
by bpmn.io's viewer, with the current step marked, and the audit trail with labelled changes; then the
dashboard with its charts.

Runs against the shared demo server (`live_server`) and changes nothing. In the demo the application
鄂尔多斯能源创新工场 waits at the Torch Center's 材料完整性审核 (recommended by 鄂尔多斯市科技局).
Screenshots: tests/browser/screenshots/case-NN-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .ui import UI

SPACE = "鄂尔多斯能源创新工场"
CURRENT = "material_review"  # 材料完整性审核


def _case_url(page: Page, ui: UI) -> str:
    """The case page of the application, found the way a supervisor would: the list of all cases, filtered to
    recognition cases with the form's button (every other choice left at 全部, as the page shows it)."""
    ui.go("/instances")
    page.select_option("select[name=procedure]", "recognition")
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(page.locator("main")).not_to_contain_text("不是有效的选择")
    expect(page.locator("main")).not_to_contain_text("请选择一项")
    assert "procedure=recognition" in page.url
    link = page.locator("main a[href^='/instances/']").filter(has_text=re.compile(r"^\d+$"))
    for href in link.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        row = page.locator(f"main tr:has(a[href='{href}'])")
        if row.count() and SPACE in row.first.inner_text() and "认定" in row.first.inner_text():
            return href
    pytest.fail(f"no case of {SPACE} in the list of all cases")


@pytest.mark.browser
def test_a_supervisor_follows_a_case_on_its_diagram(page: Page, live_server, screenshot_dir):
    ui = UI(page, live_server, screenshot_dir, prefix="case-")
    ui.login("supervisor")
    ui.go(_case_url(page, ui))
    expect(page.locator("main h1")).to_contain_text(SPACE)
    expect(page.locator("#current-step")).to_have_text(re.compile("材料完整性审核"))

    diagram = page.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-ready", "1", timeout=20000)
    # the current step is drawn and marked; the steps already done are marked as completed
    expect(diagram.locator(f".djs-element.state-current[data-element-id={CURRENT}]")).to_have_count(1)
    expect(diagram.locator(".djs-element.state-completed[data-element-id=submit_application]")).to_have_count(1)
    expect(diagram.locator(".djs-element.state-completed[data-element-id=recommender_review]")).to_have_count(1)
    expect(diagram.locator(".djs-element.state-current")).to_have_count(1)
    expect(diagram).to_contain_text("材料完整性审核")
    # lanes read by their roles' labels, not the identifiers the diagram keeps for the engine
    expect(diagram.locator(".djs-element[data-element-id=Lane_approver]")).to_contain_text("科技厅")
    expect(diagram).not_to_contain_text("(approver)")
    expect(diagram).not_to_contain_text("(torch_center)")
    expect(page.locator("#diagram-legend")).to_contain_text("当前环节")
    diagram.scroll_into_view_if_needed()
    ui.shot("01-diagram")

    # the audit trail as people read it: who with their role, the step, the form's labels and the values
    trail = page.locator("#audit-trail")
    recommendation = trail.locator("tbody tr").filter(has_text="推荐单位审核")
    expect(recommendation).to_contain_text("鄂尔多斯市科技局")
    expect(recommendation).to_contain_text("推荐单位")
    expect(recommendation.locator("dl.changes dt", has_text="处理意见")).to_have_count(1)
    expect(recommendation).to_contain_text("同意推荐（出具推荐函）")
    expect(recommendation).to_contain_text("经审核，同意推荐。")
    submission = trail.locator("tbody tr").filter(has_text="填写并提交申报书")
    expect(submission.locator("dl.changes dt", has_text="众创空间总面积（平方米）")).to_have_count(1)
    text = trail.inner_text()
    assert "{" not in text and "\\u" not in text and "recommender_decision" not in text
    trail.scroll_into_view_if_needed()
    ui.shot("02-audit-trail")

    # the dashboard, charts drawn by ECharts beside their tables
    ui.go("/dashboard")
    expect(page.locator("main h1")).to_have_text("统计看板")
    expect(page.locator("#chart-steps")).to_have_attribute("data-ready", "1")
    expect(page.locator("#chart-steps svg")).to_have_count(1)
    expect(page.locator("#dash-steps table")).to_contain_text("材料完整性审核")
    ui.shot("03-dashboard")
