"""One three-year performance evaluation walked through the real web UI in Chromium, to the award.

Runs against `python -m webapp.serve` (demo accounts, demo history) started by the session `live_server`
fixture, which the other browser tests share: nothing here depends on global counts, everything is found by
the space's name. In the demo history 草原星火众创空间 (operator account `caoyuan`) is under evaluation and its
self-assessment is open. The operator self-assesses with its materials (a PDF), the Torch Center reviews them
and forms a panel, three experts score item by item on the evaluation sheet, the Department confirms the
grade; the result is publicly noticed for 5 working days and the award (良好: 300,000 元) is granted only
when the notice has ended — the Torch Center moves the demo clock past it. Task titles come from the
`evaluation` process of bpmn/lifecycle.bpmn, the sheet from bpmn/evaluation_sheet.dmn; screenshots of each
step go to tests/browser/screenshots/eval-NN-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .ui import EXPERTS, UI, make_pdf

SPACE = "草原星火众创空间"
PROCESS = "三年绩效考核"  # name of the `evaluation` process: the inbox shows it under the space's name
SELF_ASSESSMENT = "绩效自评与材料提交"
MATERIAL_REVIEW = "考核材料审核"
ORGANISE = "组织考核专家评分"
EXPERT_SCORE = "专家考核评分"
CONFIRM = "确认考核等级"
EVALUATION_TASKS = (SELF_ASSESSMENT, MATERIAL_REVIEW, ORGANISE, EXPERT_SCORE, CONFIRM)
PANEL = ["expert3", "expert4", "expert5"]  # none of EXPERTS works at caoyuan's unit (鄂尔多斯市科技局)
MATERIALS = "绩效自评报告.pdf"  # a Chinese file name: it must come back as typed
NOTICE_DAYS = 14  # past a 5-working-day notice, weekends included (longer around holidays: see move_clock_past)

# The sheet: 21 items, base items (A–D) add up to 100, bonus items (E) to 20. Every expert gives the base
# items full marks except those below, and the bonus items nothing except those below.
COMMON = {"C1": "0", "C3": "0", "C4": "0", "D2": "2", "E2": "4", "E5": "1"}  # base 70, bonus 5
SHEETS = {  # username -> (item scores as typed, expected base, bonus, total)
    "expert3": ({**COMMON}, "70.00", "5.00", "75.00"),
    "expert4": ({**COMMON, "E6": "1"}, "70.00", "6.00", "76.00"),
    "expert5": ({**COMMON, "D2": "2.5", "E6": "0.5"}, "70.50", "5.50", "76.00"),
}
PANEL_SCORE = "75.67"  # (75 + 76 + 76) / 3, two decimals
CASE = re.compile(rf"{SPACE}\s*{PROCESS}")  # what the inbox rows of this evaluation show


class EvaluationUI(UI):
    """The shared browser steps; screenshots numbered in order (eval-NN-name.png), and this case's inbox rows."""

    def __init__(self, page: Page, base_url: str, shots: Path):
        super().__init__(page, base_url, shots, prefix="eval-")
        self.count = 0

    def shot(self, name: str) -> None:
        self.count += 1
        super().shot(f"{self.count:02d}-{name}")

    def case_rows(self):
        """The inbox rows of this space's evaluation case."""
        return self.page.locator("#inbox tbody tr").filter(has_text=CASE)

    def awards(self):
        """The data rows (not the header) of the dossier's awards table."""
        return self.table_after("奖励性补助").locator("tr").filter(has=self.page.locator("td:not(.muted)"))


@pytest.mark.browser
def test_evaluation_walks_from_self_assessment_to_award(page: Page, live_server, screenshot_dir, tmp_path):
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
    ui.go(f"/spaces/{space_id}")
    expect(page.locator("main h1")).to_contain_text(SPACE)
    expect(page.locator("#where-it-stands")).to_contain_text(SELF_ASSESSMENT)
    expect(ui.table_after("绩效考核")).to_contain_text("暂无")
    awards_before = ui.awards().count()
    ui.shot("dossier-before")

    # --- operator: 绩效自评与材料提交 from the inbox; it says what is asked and by when
    page.goto(ui.url("/"))
    expect(ui.case_rows()).to_have_count(1)
    ui.shot("inbox-applicant")
    ui.open_task(SELF_ASSESSMENT, CASE, SPACE)
    expect(page.locator("#task-due")).to_contain_text(re.compile(r"截止日期：\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?（还剩 \d+ 天）"))
    expect(page.locator(".instructions")).to_contain_text("第十九条第四项")  # late or false materials: fail
    ui.fill("self_assessment", "三年运营情况自评：入驻团队稳步增长，孵化服务、投融资对接与创业培训各项指标均达到考核要求。")
    ui.fill("self_score", "78")
    # without the materials the step is refused, keeping what was typed
    page.locator("#task-form button[type=submit]").click()
    expect(page.locator(".flash.error")).to_contain_text("请更正标注的填写项")
    materials = page.locator("#task-form input[type=file][name=file_assessment_materials]")
    expect(page.locator("#task-form .field").filter(has=page.locator("input[name=file_assessment_materials]"))
           ).to_contain_text("此项材料为必交材料")
    expect(page.locator("#task-form [name=self_score]")).to_have_value("78")
    ui.shot("self-assessment-missing-file")
    materials.set_input_files(make_pdf(tmp_path / MATERIALS, "self-assessment report"))
    ui.submit_task(SELF_ASSESSMENT, screenshot="self-assessment", step=MATERIAL_REVIEW)
    expect(ui.case_rows()).to_have_count(0)  # the case has moved on to the Torch Center

    # --- Torch Center (torch1): material review (the PDF is there, not false), then the expert panel
    ui.login("torch1")
    ui.open_task(MATERIAL_REVIEW, CASE, SPACE)
    expect(page.locator("section.case ul.attachments")).to_contain_text(MATERIALS)
    ui.check("materials_false", "no")
    ui.fill("material_comments", "自评材料真实、齐全")
    ui.submit_task(MATERIAL_REVIEW, screenshot="material-review", next_title=ORGANISE)

    panel = page.locator("#task-form fieldset.field").filter(has=page.locator("input[name=panel_experts]"))
    expect(panel.locator("input[name=panel_experts]")).to_have_count(len(EXPERTS))  # no conflict of interest
    for name in EXPERTS.values():
        expect(panel.get_by_label(name, exact=True)).to_be_visible()
    for username in PANEL:
        panel.get_by_label(EXPERTS[username], exact=True).check()
    ui.submit_task(ORGANISE, screenshot="organise-panel", step=EXPERT_SCORE)

    # --- the three chosen experts: exactly one expert task of this case each, scored item by item
    for number, username in enumerate(PANEL):
        ui.login(username)
        rows = ui.case_rows()
        expect(rows).to_have_count(1)
        expect(rows.locator("td").first).to_have_text(EXPERT_SCORE)
        if number == 0:
            ui.shot("inbox-expert")
        ui.open_task(EXPERT_SCORE, CASE, SPACE)
        sheet = page.locator("#score-sheet")
        items = sheet.locator("input[data-part]")
        expect(items).to_have_count(21)
        expect(sheet).to_contain_text("场地面积与公共场地占比")  # A1
        expect(sheet).to_contain_text("预孵化器/加速器")  # E6
        maxima = {"base": 0, "bonus": 0}
        scores, base, bonus, total = SHEETS[username]
        for item in items.all():
            name, part, maximum = (item.get_attribute(a) for a in ("name", "data-part", "max"))
            assert re.fullmatch(r"item_[A-E]\d", name) and re.fullmatch(r"\d+", maximum), (name, maximum)  # 4, not 4.0
            maxima[part] += int(maximum)
            code = name.removeprefix("item_")
            item.fill(scores.get(code, maximum if part == "base" else "0"))
        assert maxima == {"base": 100, "bonus": 20}
        # the running total, as typed, each part within the diagram's cap (the page adds up what the server will)
        expect(page.locator("#sheet-total")).to_have_text(
            f"目前合计：基础分 {float(base):g} 分（最多计 100 分），附加分 {float(bonus):g} 分（最多计 20 分），"
            f"总分 {float(total):g} 分。")
        ui.fill("comments", f"服务体系完善，成效良好（{EXPERTS[username]}）")
        ui.submit_task(EXPERT_SCORE, screenshot="expert-sheet" if number == 0 else None,
                       step=CONFIRM if number == len(PANEL) - 1 else EXPERT_SCORE)
        expect(ui.case_rows()).to_have_count(0)
    # expert1 and expert2 were not chosen: nothing of this case is waiting for them
    for username in ("expert1", "expert2"):
        ui.login(username)
        expect(ui.case_rows()).to_have_count(0)

    # --- approver: each expert's base, bonus and total, and the combined score, with two decimals; confirm
    ui.login("approver")
    ui.open_task(CONFIRM, CASE, SPACE)
    case = page.locator("section.case")
    scores = case.locator("xpath=.//h3[normalize-space()='专家评审']/following-sibling::table[1]")
    expect(scores.locator("tr").filter(has=page.locator("td"))).to_have_count(len(PANEL))
    for username, (_, base, bonus, total) in SHEETS.items():
        cells = scores.locator("tr").filter(has_text=EXPERTS[username]).locator("td")
        expect(cells.nth(1)).to_have_text(base)
        expect(cells.nth(2)).to_have_text(bonus)
        expect(cells.nth(3)).to_have_text(total)
    expect(case).to_contain_text(re.compile(rf"专家组综合得分：\s*{re.escape(PANEL_SCORE)}"))
    expect(case).to_contain_text(re.compile(r"按考核分级标准判定的等级：\s*良好"))
    expect(page.locator("#task-warning")).to_have_count(0)  # not a re-evaluation: nothing is revoked
    ui.fill("confirm_comments", "同意考核等级为良好")
    ui.submit_task(CONFIRM, screenshot="confirm-grade", step="公示中")
    expect(ui.case_rows()).to_have_count(0)

    # --- operator: the dossier records the evaluation (75.67, 良好) and its notice; no award yet
    ui.login("caoyuan")
    ui.go(f"/spaces/{space_id}")
    expect(page.locator("main h1")).to_contain_text(SPACE)
    expect(page.locator("main h1 .status")).to_have_text("已认定")
    for title in EVALUATION_TASKS:  # nobody has an evaluation step open: the case waits for the notice
        expect(page.locator("#where-it-stands")).not_to_contain_text(title)
    evaluations = ui.table_after("绩效考核").locator("tr").filter(has=page.locator("td"))  # data rows, not the header
    expect(evaluations).to_have_count(1)
    expect(evaluations.locator("td").nth(1)).to_have_text(PANEL_SCORE)
    expect(evaluations.locator("td").nth(2)).to_have_text("良好")
    expect(page.locator("#where-it-stands tr").filter(has_text=PROCESS)).to_contain_text(
        re.compile(r"公示中（至 \d{4}-\d{2}-\d{2}）"))
    expect(ui.awards()).to_have_count(awards_before)
    expect(ui.table_after("奖励性补助")).not_to_contain_text("300,000 元")
    ui.shot("dossier-in-notice")

    # --- the public (logged out): the result is on the notices page
    ui.logout()
    notice_title = f"众创空间绩效考核结果公示：{SPACE} — 良好"
    ui.go("/notices")
    expect(page.locator("header .who")).to_have_count(0)
    expect(page.locator("main table tr").filter(has_text=notice_title)).to_have_count(1)
    ui.shot("public-notice")

    # --- Torch Center: move the demo clock past the end of the notice (the page runs the due timers)
    ui.login("torch1")
    ui.move_clock_past(ui.notice_end(notice_title), at_least_days=NOTICE_DAYS)
    ui.shot("clock")

    # --- operator: the notice ended without objection: the 300,000 元 award is on the dossier
    ui.login("caoyuan")
    ui.go(f"/spaces/{space_id}")
    expect(page.locator("#where-it-stands tr").filter(has_text=PROCESS)).to_have_count(0)
    award = ui.table_after("奖励性补助").locator("tr").filter(has_text="300,000 元")
    expect(award).to_have_count(1)
    expect(award).to_contain_text("绩效考核奖励")
    expect(ui.awards()).to_have_count(awards_before + 1)
    ui.shot("dossier-award")
