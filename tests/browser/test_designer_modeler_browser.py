"""Issue 7's acceptance, in Chromium, as a process designer: open the recognition diagram in bpmn.io's
modeler, add a user task in the applicant's lane and give it declared fields in the properties panel, deploy;
a new application then shows that task, with its generated form, in the applicant's inbox, while an
application started before the deploy goes on unchanged on its own version.

Runs on a demo server of its own (deploying changes what other browser tests rely on).
Screenshots: tests/browser/screenshots/modeler-*.png."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import REPO_ROOT
from .test_evaluation_browser import (
    CONFIRM,
    EXPERT_SCORE,
    MATERIAL_REVIEW,
    ORGANISE,
    PANEL,
    PANEL_SCORE,
    PROCESS,
    SELF_ASSESSMENT,
    SHEETS,
)
from .ui import EXPERTS, UI, make_pdf

NEW_TASK = "确认申报须知"
OLD_CASE = "鹿城智造众创空间"  # demo data: submitted before the deploy, waiting for 包头市科技局


def _panel_field(page: Page, label: str):
    """The input of the properties panel's entry labelled `label` (the panel speaks Chinese)."""
    entry = page.locator("#properties .bio-properties-panel-entry").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$")))
    return entry.locator("input, textarea, select").first


def _open(item) -> None:
    """A list item of the properties panel, unfolded (new ones open by themselves, renamed ones may not)."""
    if not item.locator("input").first.is_visible():
        item.locator(".bio-properties-panel-collapsible-entry-header").first.click()
    expect(item.locator("input").first).to_be_visible()


def _add_the_task_in_the_modeler(page: Page, ui: UI, screenshot: str | None = None) -> str:
    """In the modeler: make room, draw a user task in the applicant's lane on the flow to the submission,
    and name it and declare its fields in the properties panel. Returns the new task's id."""
    ui.go("/designer/edit/recognition.bpmn")
    expect(page.locator("#canvas")).to_have_attribute("data-ready", "1")
    expect(page.locator("#import-warnings li")).to_have_count(0)
    expect(page.locator("#properties .bio-properties-panel")).to_be_visible()

    # Make room after 初始化申报 with the space tool, draw a user task in the applicant's lane and put it on
    # the flow to the submission (the drawing is done through bpmn-js's modeling API, as the mouse would).
    task_id = page.evaluate("""() => {
        const m = window.diagram, registry = m.get('elementRegistry'), modeling = m.get('modeling');
        const shapes = registry.filter(e => !e.waypoints && e.type !== 'label' && e.parent);
        const adjust = m.get('spaceTool').calculateAdjustments(shapes, 'x', 160, 370);
        modeling.createSpace(adjust.movingShapes, adjust.resizingShapes, { x: 160, y: 0 }, 'e', 370);
        const lane = registry.get('Lane_applicant');
        const task = modeling.createShape({ type: 'bpmn:UserTask' }, { x: 450, y: 160 }, lane.parent);
        const init = registry.get('init_application'), join = registry.get('gw_submit_join');
        modeling.removeElements([registry.get('Flow_init_submit')]);
        modeling.connect(init, task);
        modeling.connect(task, join);
        m.get('selection').select(task);
        return task.id;
    }""")
    # The properties panel shows the selected task: name it, and declare two fields.
    page.locator("#properties [data-group-id='group-general'] .bio-properties-panel-group-header").click()
    name = _panel_field(page, "名称")
    name.fill(NEW_TASK)
    page.locator("#properties [data-group-id='group-spiff-task'] .bio-properties-panel-group-header").click()
    expect(_panel_field(page, "表单")).to_have_value("")  # generated from the declared fields
    fields = page.locator("#properties [data-group-id='group-spiff-fields']")
    for field_name, field_type, label in (("rules_read", "yesno", "已阅读申报须知并承诺材料真实"),
                                          ("contact_phone", "text", "联系电话")):
        fields.locator("button.bio-properties-panel-add-entry").click()
        item = fields.locator(".bio-properties-panel-list-item").last
        _open(item)
        item.locator("input[name$='-name']").fill(field_name)
        item.locator("input[name$='-name']").press("Tab")
        item = fields.locator(".bio-properties-panel-list-item").filter(
            has=page.locator(".bio-properties-panel-collapsible-entry-header", has_text=field_name))
        _open(item)
        item.locator("select").select_option(field_type)
        item.locator("input[name$='-label']").fill(label)
        item.locator("input[name$='-label']").press("Tab")
    if screenshot:
        ui.shot(screenshot)
    return task_id


def test_designer_adds_a_user_task_with_declared_fields_and_new_cases_get_it(page: Page, own_server,
                                                                               screenshot_dir):
    page.set_default_timeout(20_000)
    ui = UI(page, own_server, screenshot_dir, prefix="modeler-")
    ui.login("designer")
    task_id = _add_the_task_in_the_modeler(page, ui, screenshot="01-properties-panel")

    # A trial run first: the draft runs apart from real cases, and the applicant's list shows the new step.
    page.locator("#trial-button").click()
    expect(page.locator("#trial-report")).to_be_visible(timeout=60_000)
    applicant = page.locator("table.trial-tasks[data-role=applicant]")
    expect(applicant.locator(f"tr[data-task-id={task_id}]")).to_contain_text(NEW_TASK)
    expect(applicant.locator(f"tr[data-task-id={task_id}]")).to_contain_text("已阅读申报须知并承诺材料真实")
    ui.shot("01b-trial-run")
    task_id = _add_the_task_in_the_modeler(page, ui)

    # The saved diagram has the task in the applicant's lane, with the declared fields.
    xml = page.evaluate("async () => (await window.diagram.saveXML()).xml")
    assert re.search(r'name="field\.rules_read" value="yesno\|已阅读申报须知并承诺材料真实"', xml), xml[:2000]
    page.locator("textarea[name=note]").fill("申报前增加“确认申报须知”环节")
    page.locator("#deploy-button").click()
    expect(page.locator(".flash.success")).to_contain_text("recognition.bpmn")
    expect(page).to_have_url(re.compile(r"/designer/versions/2"))
    ui.shot("02-deployed")

    # The comparison draws both versions, the added task marked on the new one.
    ui.go("/designer/diff?from=1&to=2")
    section = page.locator("section.file-diff[data-file='recognition.bpmn']")
    expect(section).to_have_attribute("data-ready", "1")
    expect(section.locator(f".diff-new .djs-element.added[data-element-id={task_id}]")).to_have_count(1)
    expect(section.locator(f"tr[data-element-id={task_id}]")).to_contain_text(NEW_TASK)
    ui.shot("02b-diff")

    # A new application opens on the new version: the added task first, with its generated form.
    ui.login("qingcheng")
    page.get_by_role("link", name="新建申报").first.click()
    page.fill("input[name=space_name]", "青城新锐众创空间")
    page.locator("main form button").click()
    expect(page.locator("main h1")).to_have_text(NEW_TASK)
    expect(page.locator("#task-form")).to_contain_text("已阅读申报须知并承诺材料真实")
    expect(page.locator("#task-form")).to_contain_text("联系电话")
    ui.shot("03-new-task-form")
    ui.go("/")
    row = page.locator("#inbox tbody tr").filter(has_text="青城新锐众创空间")
    expect(row.get_by_role("link", name=NEW_TASK, exact=True)).to_have_count(1)
    ui.open_task(NEW_TASK, re.compile("青城新锐众创空间"), "青城新锐众创空间")
    ui.check("rules_read", "yes")
    ui.fill("contact_phone", "0471-1234567")
    page.locator("#task-form button[type=submit]").click()
    expect(page.locator(".flash.success")).to_contain_text(f"已提交“{NEW_TASK}”")
    expect(page.locator("main h1")).to_have_text("填写并提交申报书")  # then the application form, as before

    # The application started before the deploy goes on on its own version: recommended, it reaches the
    # Torch Center's material review, and never the new step.
    ui.login("baotou_bureau")
    ui.open_task("推荐单位审核", re.compile(OLD_CASE), OLD_CASE)
    ui.check("recommender_decision", "recommend")
    ui.fill("recommendation_letter", "经审核，同意推荐。")
    ui.submit_task("推荐单位审核", step="材料完整性审核")
    ui.shot("04-old-case-unchanged")


def _cell(page: Page, element_id: str):
    """The editable text of a dmn-js table cell."""
    return page.locator(f"td[data-element-id={element_id}] [contenteditable]").first


def _type_into_cell(page: Page, element_id: str, text: str) -> None:
    """As a person edits a dmn-js cell: click it, select what it holds, type the new entry."""
    cell = _cell(page, element_id)
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    expect(cell).to_have_text(text)


NEXT_SPACE = "草原星火创新工场"  # demo data: its first evaluation opens about ten days from today


def _walk_new_evaluation_to_confirmation(page: Page, ui: UI, tmp_path) -> None:
    """The evaluation of NEXT_SPACE, which opened after the deploy: self-assessment, material review, a panel,
    the three experts' sheets as in test_evaluation_browser (panel score 75.67), then the approver's step."""
    case = re.compile(rf"{NEXT_SPACE}\s*{PROCESS}")
    ui.login("caoyuan")
    ui.open_task(SELF_ASSESSMENT, case, NEXT_SPACE)
    ui.fill("self_assessment", "三年运营情况自评：各项指标达标。")
    ui.fill("self_score", "78")
    page.locator("#task-form input[type=file][name=file_assessment_materials]").set_input_files(
        make_pdf(tmp_path / "自评报告.pdf", "self-assessment report"))
    ui.submit_task(SELF_ASSESSMENT, step=MATERIAL_REVIEW)
    ui.login("torch1")
    ui.open_task(MATERIAL_REVIEW, case, NEXT_SPACE)
    ui.check("materials_false", "no")
    ui.fill("material_comments", "材料真实、齐全")
    ui.submit_task(MATERIAL_REVIEW, next_title=ORGANISE)
    for username in PANEL:
        page.get_by_label(EXPERTS[username], exact=True).check()
    ui.submit_task(ORGANISE, step=EXPERT_SCORE)
    for number, username in enumerate(PANEL):
        ui.login(username)
        ui.open_task(EXPERT_SCORE, case, NEXT_SPACE)
        scores = SHEETS[username][0]
        for item in page.locator("#score-sheet input[data-part]").all():
            code, part = item.get_attribute("name").removeprefix("item_"), item.get_attribute("data-part")
            item.fill(scores.get(code, item.get_attribute("max") if part == "base" else "0"))
        ui.fill("comments", "按评价指标体系评分")
        ui.submit_task(EXPERT_SCORE, step=CONFIRM if number == len(PANEL) - 1 else EXPERT_SCORE)
    ui.login("approver")
    ui.open_task(CONFIRM, case, NEXT_SPACE)


def test_designer_edits_the_grade_table_in_dmn_js_and_new_evaluations_use_it(page: Page, own_server,
                                                                              screenshot_dir, tmp_path):
    page.set_default_timeout(20_000)
    ui = UI(page, own_server, screenshot_dir, prefix="modeler-dmn-")
    ui.login("designer")
    ui.go("/designer/edit/evaluation_grade.dmn")
    expect(page.locator("#canvas")).to_have_attribute("data-ready", "1")
    expect(page.locator("#canvas .tjs-table")).to_be_visible()  # the decision table itself, not the DRD
    expect(_cell(page, "evaluation_grade_rule_3_in_3")).to_have_text(">= 85")
    # 优秀 from 75 points instead of 85; 良好 ends where 优秀 now starts, so the bands keep neither gap nor overlap
    _type_into_cell(page, "evaluation_grade_rule_3_in_3", ">= 75")
    _type_into_cell(page, "evaluation_grade_rule_4_in_3", "70 <= ? < 75")
    page.locator("textarea[name=note]").click()
    ui.shot("01-grade-table-edited")
    page.locator("textarea[name=note]").fill("优秀等级下限调整为 75 分")
    page.locator("#deploy-button").click()
    expect(page.locator(".flash.success")).to_contain_text("evaluation_grade.dmn")
    version = int(re.search(r"/designer/versions/(\d+)", page.url).group(1))
    ui.shot("02-deployed")

    # The comparison with the version before names the two changed rules of 考核等级.
    ui.go(f"/designer/diff?from={version - 1}&to={version}")
    section = page.locator("section.file-diff[data-file='evaluation_grade.dmn']")
    expect(section.locator("tr[data-element-id=evaluation_grade_rule_3]")).to_contain_text(">= 75")
    expect(section.locator("tr[data-element-id=evaluation_grade_rule_4]")).to_contain_text("70 <= ? < 75")
    ui.shot("03-diff")

    # Ten days on, the next space's first evaluation opens on the new version: its panel score of 75.67,
    # 良好 under the 2020 table, is now 优秀.
    ui.login("torch1")
    ui.go("/admin/clock")
    page.fill("input[name=days]", "15")
    page.locator("main form button").click()
    expect(page.locator(".flash.success")).to_contain_text("15")
    _walk_new_evaluation_to_confirmation(page, ui, tmp_path)
    case = page.locator("section.case")
    expect(case).to_contain_text(re.compile(rf"专家组综合得分：\s*{re.escape(PANEL_SCORE)}"))
    expect(case).to_contain_text(re.compile(r"按考核分级标准判定的等级：\s*优秀"))
    ui.shot("04-new-evaluation-graded-by-the-new-table")


def _select(page: Page, element_id: str) -> None:
    page.evaluate("""id => { const m = window.diagram;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)


def _open_group(page: Page, group: str) -> None:
    header = page.locator(f"#properties [data-group-id='group-{group}'] .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def test_the_properties_panel_shows_and_edits_what_the_app_reads(page: Page, own_server, screenshot_dir):
    """Each kind of element shows its SpiffWorkflow settings in Chinese; an edited condition is saved."""
    page.set_default_timeout(20_000)
    ui = UI(page, own_server, screenshot_dir, prefix="modeler-panel-")
    ui.login("designer")
    ui.go("/designer/edit/recognition.bpmn")
    expect(page.locator("#canvas")).to_have_attribute("data-ready", "1")

    _select(page, "Lane_torch_center")  # a lane: its role
    _open_group(page, "spiff-lane")
    expect(_panel_field(page, "本泳道的角色")).to_have_value("torch_center")

    _select(page, "set_outcome_declined")  # a service task: its function and parameters
    _open_group(page, "spiff-service")
    expect(_panel_field(page, "功能")).to_have_value("set_outcome")
    expect(_panel_field(page, "outcome")).to_have_value('"declined"')
    expect(_panel_field(page, "reason")).to_have_value("recommender_comments")
    ui.shot("01-service-task")

    _select(page, "check_eligibility")  # a business rule task: its decision table
    _open_group(page, "spiff-decision")
    expect(_panel_field(page, "决策表")).to_have_value("eligibility")

    _select(page, "submission_lapsed")  # a timer: kind and expression
    _open_group(page, "spiff-timer")
    expect(_panel_field(page, "定时方式")).to_have_value("timeDate")
    expect(_panel_field(page, "定时表达式")).to_have_value("submission_due")

    _select(page, "Flow_credit_failed")  # a flow out of a gateway: its condition, edited here
    _open_group(page, "spiff-condition")
    condition = _panel_field(page, "条件")
    expect(condition).to_have_value("credit_blacklisted or credit_abnormal")
    condition.fill("credit_blacklisted")
    condition.press("Tab")
    ui.shot("02-condition")
    xml = page.evaluate("async () => (await window.diagram.saveXML()).xml")
    flow = re.search(r'<bpmn:sequenceFlow id="Flow_credit_failed".*?</bpmn:sequenceFlow>', xml, re.S).group(0)
    assert ">credit_blacklisted</bpmn:conditionExpression>" in flow
    # everything else the app reads is still there after the edit
    operators = (REPO_ROOT / "bpmn" / "recognition.bpmn").read_text().count("<spiffworkflow:serviceTaskOperator")
    assert operators >= 8 and xml.count("<spiffworkflow:serviceTaskOperator") == operators
    assert '<spiffworkflow:calledDecisionId>eligibility</spiffworkflow:calledDecisionId>' in xml
