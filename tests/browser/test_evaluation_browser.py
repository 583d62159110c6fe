"""One three-year performance evaluation walked through the real web UI in Chromium, to the published result.

Runs against `python -m webapp.serve` (demo accounts, demo history) started by the session `live_server`
fixture, which the recognition browser test shares: nothing here depends on global counts, everything is
found by the space's name. In the demo history 草原星火众创空间 (operator account `caoyuan`) is under
evaluation and its self-assessment is open. Task titles come from the `evaluation` process of
bpmn/lifecycle.bpmn; screenshots of each step go to tests/browser/screenshots/eval-NN-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .ui import EXPERTS, UI

SPACE = "草原星火众创空间"
PROCESS = "三年绩效考核"  # name of the `evaluation` process: the inbox shows it with the case number
SELF_ASSESSMENT = "绩效自评与材料提交"
MATERIAL_REVIEW = "考核材料审核"
ORGANISE = "组织考核专家评分"
EXPERT_SCORE = "专家考核评分"
CONFIRM = "确认考核等级"
EVALUATION_TASKS = (SELF_ASSESSMENT, MATERIAL_REVIEW, ORGANISE, EXPERT_SCORE, CONFIRM)
PANEL = ["expert3", "expert4", "expert5"]  # none of EXPERTS works at caoyuan's unit (鄂尔多斯市科技局)


def case_pattern(space_id: int) -> re.Pattern:
    """What the inbox rows of this space's evaluation case show: the process name and the case number."""
    return re.compile(rf"{PROCESS} #{space_id}(?!\d)")


class EvaluationUI(UI):
    """The shared browser steps; screenshots numbered in order (eval-NN-name.png), and this case's inbox rows."""

    def __init__(self, page: Page, base_url: str, shots: Path):
        super().__init__(page, base_url, shots, prefix="eval-")
        self.count = 0

    def shot(self, name: str) -> None:
        self.count += 1
        super().shot(f"{self.count:02d}-{name}")

    def case_rows(self, space_id: int):
        """The inbox rows of this space's evaluation case."""
        return self.page.locator("#inbox tbody tr").filter(has_text=case_pattern(space_id))


@pytest.mark.browser
def test_evaluation_walks_from_self_assessment_to_published_result(page: Page, live_server, screenshot_dir):
    page.set_default_timeout(15_000)
    ui = EvaluationUI(page, live_server, screenshot_dir)

    # --- operator (caoyuan): find the space in the registry, it is under evaluation with the self-assessment open
    ui.login("caoyuan")
    ui.go("/spaces")
    row = page.locator("main table tbody tr").filter(has=page.get_by_role("link", name=SPACE, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已认定")
    href = row.get_by_role("link", name=SPACE, exact=True).get_attribute("href")
    space_id = int(re.search(r"/spaces/(\d+)$", href).group(1))
    inbox_case = case_pattern(space_id)
    ui.go(f"/spaces/{space_id}")
    expect(page.locator("main h1")).to_contain_text(SPACE)
    expect(page.locator(".pill").filter(has_text=SELF_ASSESSMENT)).to_have_count(1)
    expect(ui.table_after("绩效考核")).to_contain_text("暂无")
    ui.shot("dossier-before")

    # --- operator: 绩效自评与材料提交 from the inbox
    page.goto(ui.url("/"))
    expect(ui.case_rows(space_id)).to_have_count(1)
    ui.shot("inbox-applicant")
    ui.open_task(SELF_ASSESSMENT, inbox_case, SPACE)
    ui.fill("self_assessment", "三年运营情况自评：入驻团队稳步增长，孵化服务、投融资对接与创业培训各项指标均达到考核要求。")
    ui.fill("self_score", "78")
    ui.submit_task(SELF_ASSESSMENT, screenshot="self-assessment")
    expect(ui.case_rows(space_id)).to_have_count(0)  # the case has moved on to the Torch Center

    # --- Torch Center (torch1): material review (not false), then the expert panel
    ui.login("torch1")
    ui.open_task(MATERIAL_REVIEW, inbox_case, SPACE)
    ui.check("materials_false", "no")
    ui.fill("material_comments", "自评材料真实、齐全")
    ui.submit_task(MATERIAL_REVIEW, screenshot="material-review")

    ui.open_task(ORGANISE, inbox_case, SPACE)
    panel = page.locator("#task-form fieldset").filter(has=page.locator("input[name=panel_experts]"))
    expect(panel.locator("input[name=panel_experts]")).to_have_count(len(EXPERTS))  # no conflict of interest
    for name in EXPERTS.values():
        expect(panel.get_by_label(name, exact=True)).to_be_visible()
    for username in PANEL:
        panel.get_by_label(EXPERTS[username], exact=True).check()
    ui.submit_task(ORGANISE, screenshot="organise-panel")

    # --- the three chosen experts: exactly one expert task of this case each, scored 70 + 5
    for number, username in enumerate(PANEL):
        ui.login(username)
        rows = ui.case_rows(space_id).filter(has_text="专家")
        expect(rows).to_have_count(1)
        expect(rows.locator("td").first).to_have_text(EXPERT_SCORE)
        expect(rows).to_contain_text(f"{PROCESS} #{space_id}")
        if number == 0:
            ui.shot("inbox-expert")
        ui.open_task(EXPERT_SCORE, inbox_case, SPACE)
        ui.fill("base", "70")
        ui.fill("bonus", "5")
        ui.fill("comments", f"服务体系完善，成效良好（{EXPERTS[username]}）")
        ui.submit_task(EXPERT_SCORE, screenshot="expert-score" if number == 0 else None)
        expect(ui.case_rows(space_id)).to_have_count(0)
    # expert1 and expert2 were not chosen: nothing of this case is waiting for them
    for username in ("expert1", "expert2"):
        ui.login(username)
        expect(ui.case_rows(space_id)).to_have_count(0)

    # --- approver: the panel's scores are shown; confirm the grade
    ui.login("approver")
    ui.open_task(CONFIRM, inbox_case, SPACE)
    case = page.locator("section.case")
    scores = case.locator("xpath=.//h3[normalize-space()='专家评审']/following-sibling::table[1]")
    expect(scores.locator("tr").filter(has=page.locator("td"))).to_have_count(len(PANEL))
    for username in PANEL:
        cells = scores.locator("tr").filter(has_text=EXPERTS[username]).locator("td")
        expect(cells.nth(1)).to_have_text(re.compile(r"^70(\.0+)?$"))
        expect(cells.nth(2)).to_have_text(re.compile(r"^5(\.0+)?$"))
        expect(cells.nth(3)).to_have_text(re.compile(r"^75(\.0+)?$"))
    expect(case).to_contain_text(re.compile(r"专家组综合得分：\s*75(\.0+)?"))
    ui.fill("confirm_comments", "同意考核等级为良好")
    ui.submit_task(CONFIRM, screenshot="confirm-grade")
    expect(ui.case_rows(space_id)).to_have_count(0)

    # --- operator: the dossier records the evaluation (75.00, 良好) and the 300,000 元 award
    ui.login("caoyuan")
    ui.go(f"/spaces/{space_id}")
    expect(page.locator("main h1")).to_contain_text(SPACE)
    expect(page.locator("main h1 .status")).to_have_text("已认定")
    for title in EVALUATION_TASKS:
        expect(page.locator(".pill").filter(has_text=title)).to_have_count(0)
    evaluations = ui.table_after("绩效考核").locator("tr").filter(has=page.locator("td"))  # data rows, not the header
    expect(evaluations).to_have_count(1)
    expect(evaluations.locator("td").nth(1)).to_have_text("75.00")
    expect(evaluations.locator("td").nth(2)).to_have_text("良好")
    award = ui.table_after("奖励性补助").locator("tr").filter(has_text="300,000 元")
    expect(award).to_have_count(1)
    expect(award).to_contain_text("绩效考核奖励")
    ui.shot("dossier-after")

    # --- the public (logged out): the result is on the notices page
    ui.logout()
    ui.go("/notices")
    expect(page.locator("header .who")).to_have_count(0)
    notice = page.locator("main table tr").filter(has_text=f"众创空间绩效考核结果公示：{SPACE} — 良好")
    expect(notice).to_have_count(1)
    ui.shot("public-notice")
