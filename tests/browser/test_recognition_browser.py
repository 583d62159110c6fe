"""One application walked through the real web UI in Chromium, by every role in turn, to the registry.

Runs against `python -m webapp.serve` (demo accounts, demo clock) started by the `live_server` fixture.
Elements are found by form field names and by the Chinese texts of the UI; task titles come from
bpmn/recognition.bpmn. Screenshots of each major step go to tests/browser/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .ui import EXPERTS, UI, make_pdf

SPACE = "青城创客空间"
ATTACHMENT_KINDS = ["legal_entity", "representative_id", "premises", "staff_mentors", "rules", "services_evidence"]
PANEL = ["expert2", "expert3", "expert4"]  # expert1 works at a 呼和浩特 unit: conflict with qingcheng
CLOCK_DAYS = 10


@pytest.mark.browser
def test_application_walks_from_new_to_recognised(page: Page, live_server, screenshot_dir, tmp_path):
    page.set_default_timeout(15_000)
    ui = UI(page, live_server, screenshot_dir)
    files = {kind: make_pdf(tmp_path / f"{kind}.pdf", f"{kind} - test attachment") for kind in ATTACHMENT_KINDS}

    # --- applicant (qingcheng, 呼和浩特): 新建申报 -> fill every field, upload the six Art. 7 PDFs, submit
    ui.login("qingcheng", screenshot="01-login")
    page.get_by_role("link", name="新建申报").first.click()
    expect(page).to_have_url(ui.url("/applications/new"))
    page.fill("input[name=space_name]", SPACE)
    page.locator("main form button").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(page.locator("main h1")).to_have_text("填写并提交申报书")
    href = page.locator("section.case a[href*='/applications/']").first.get_attribute("href")
    application_id = int(re.search(r"/applications/(\d+)", href).group(1))
    inbox_case = re.compile(re.escape(SPACE))  # the inbox rows of this application: they name the space

    expect(page.locator("#task-form input[name=space_name]")).to_have_value(SPACE)
    ui.fill("space_name", SPACE)
    for name in ("legal_entity", "premises_leased", "has_admission_exit_rules", "has_finance_rules",
                 "has_daily_rules", "infrastructure_ready"):
        ui.check(name, "yes")
    for name, value in {
        "operating_years": "2", "controlled_area_m2": "800", "total_area_m2": "800", "public_area_m2": "400",
        "lease_years": "3", "business_model": "开放共享降低成本，投资与专业服务获得收益",
        "management_staff": "3", "mentors": "2", "new_residents_per_year": "6", "training_events_per_year": "5",
        "incubation_cases": "2", "investor_partners": "1", "free_service_months": "6",
    }.items():
        ui.fill(name, value)
    for service in ("incubation", "finance", "rd_design"):
        ui.check("services_offered", service)
    page.locator("#task-form select[name=existing_designation]").select_option("none")
    for kind, path in files.items():
        page.locator(f"#task-form input[type=file][name=file_{kind}]").set_input_files(path)
    ui.submit_task("填写并提交申报书", screenshot="02-application-form", step="推荐单位审核")

    # the application page shows the six attachments and the next step
    ui.go(f"/applications/{application_id}")
    expect(page.locator("main h1")).to_contain_text(SPACE)
    expect(page.locator("ul.attachments li")).to_have_count(len(ATTACHMENT_KINDS))
    for kind in ATTACHMENT_KINDS:
        expect(page.locator("ul.attachments")).to_contain_text(f"{kind}.pdf")
    expect(page.locator("#current-step")).to_have_text("推荐单位审核")
    ui.shot("03-submitted")

    # --- recommending unit (呼和浩特市科技局): recommend with a letter
    ui.login("hohhot_bureau")
    ui.open_task("推荐单位审核", inbox_case, SPACE)
    expect(page.locator("section.case ul.attachments li")).to_have_count(len(ATTACHMENT_KINDS))
    ui.check("recommender_decision", "recommend")
    ui.fill("recommendation_letter", "经审核，该空间符合认定条件，同意推荐。")
    ui.fill("recommender_comments", "材料真实完整")
    ui.submit_task("推荐单位审核", screenshot="04-recommendation", step="材料完整性审核")

    # --- Torch Center (torch1): material completeness, then the expert panel
    ui.login("torch1")
    ui.open_task("材料完整性审核", inbox_case, SPACE)
    expect(page.locator("#task-due")).to_contain_text(re.compile(r"截止日期：\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?（还剩 \d+ 天）"))
    ui.check("material_decision", "complete")
    ui.fill("material_comments", "材料齐全")
    # the panel is the Torch Center's too: its page opens straight away
    ui.submit_task("材料完整性审核", screenshot="05-material-review", next_title="组织专家评审")
    expect(page.locator("section.case")).to_contain_text(SPACE)
    panel = page.locator("#task-form fieldset.field").filter(has=page.locator("input[name=panel_experts]"))
    expect(panel.locator("input[name=panel_experts]")).to_have_count(4)
    for username, name in EXPERTS.items():
        if username == "expert1":  # conflict of interest (same unit as the applicant): not offered, and said why
            expect(panel.get_by_label(name, exact=True)).to_have_count(0)
            expect(panel.locator(".hint")).to_contain_text(name)
            expect(panel.locator(".hint")).to_contain_text("应予回避")
        else:
            expect(panel.get_by_label(name, exact=True)).to_be_visible()
    for username in PANEL:
        panel.get_by_label(EXPERTS[username], exact=True).check()
    # expert review, site inspection and credit check run side by side: the inspection opens straight away
    ui.submit_task("组织专家评审", screenshot="06-organise-review", next_title="实地核查")

    # --- Torch Center: site inspection (torch1), then the credit check, left for torch2
    ui.check("site_inspection_passed", "yes")
    ui.fill("site_inspection_report", "场地与申报一致，服务功能齐全。")
    ui.submit_task("实地核查", screenshot="07-site-inspection", next_title="信用审查")

    ui.login("torch2")
    ui.open_task("信用审查", inbox_case, SPACE)
    for name in ("credit_blacklisted", "credit_abnormal"):  # two yes/no questions: a listing ends the application
        expect(page.locator(f"#task-form input[name={name}]")).to_have_count(2)
    ui.check("credit_blacklisted", "no")
    ui.check("credit_abnormal", "no")
    ui.fill("credit_notes", "未发现失信记录")
    ui.submit_task("信用审查", screenshot="08-credit-check", step="专家独立评分")

    # --- the three experts score independently; after the last, the case waits for the Department
    for number, username in enumerate(PANEL):
        ui.login(username)
        ui.open_task("专家独立评分", inbox_case, SPACE)
        ui.fill("base", "80")
        ui.fill("bonus", "0")
        ui.fill("comments", f"材料齐全，运营良好（{EXPERTS[username]}）")
        ui.submit_task("专家独立评分", screenshot="09-expert-score" if number == 0 else None,
                       step="拟定入选名单" if number == len(PANEL) - 1 else "专家独立评分")
    # expert5 was not chosen: nothing is waiting for it
    ui.login("expert5")
    expect(page.locator("#inbox tbody")).not_to_contain_text("专家独立评分")

    # --- approver: the ranking table is shown; put the application on the shortlist
    ui.login("approver")
    ui.open_task("拟定入选名单", inbox_case, SPACE)
    ranking = page.locator("#ranking")
    expect(ranking).to_be_visible()
    current = ranking.locator("tr.current")
    expect(current).to_contain_text(SPACE)
    expect(current).to_contain_text("80")
    expect(page.locator("section.case")).to_contain_text("经审核，该空间符合认定条件，同意推荐。")
    ui.check("shortlist_decision", "shortlist")
    ui.fill("shortlist_comments", "同意列入拟认定名单")
    ui.submit_task("拟定入选名单", screenshot="10-shortlist-ranking")

    # --- the public notice is out; torch1 moves the demo clock past its end (the page runs the sweeper)
    ui.login("torch1")
    # 10 days cover a 5-working-day notice, except around long holidays (e.g. 国庆): then go as far as needed.
    ui.move_clock_past(ui.notice_end(SPACE), at_least_days=CLOCK_DAYS)
    ui.shot("11-clock")

    # --- the applicant sees the application recognised and the space in the registry
    ui.login("qingcheng")
    ui.go(f"/applications/{application_id}")
    expect(page.locator("main h1 .status")).to_have_text("已认定")
    expect(page.locator("#current-step")).to_have_text("已办结")
    expect(page.locator("#outcome-reason")).to_contain_text("证书编号 NMZC-")  # the outcome, with its number
    ui.go("/applications")
    expect(page.locator("main table tr").filter(has_text=SPACE)).to_contain_text("已认定")
    ui.go(f"/applications/{application_id}")
    ui.shot("12-recognised")

    ui.go("/spaces")
    row = page.locator("main table tbody tr").filter(has_text=SPACE)
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text(re.compile(r"^NMZC-\d{4}-\d{4}$"))
    expect(row).to_contain_text("呼和浩特青城创客科技有限公司")
    expect(row).to_contain_text("呼和浩特市科技局")
    ui.shot("13-registry")

    # the dossier offers the recognition certificate as a PDF
    row.get_by_role("link", name=SPACE, exact=True).click()
    expect(page).to_have_url(re.compile(r"/spaces/\d+$"))
    certificate = page.locator("main a[href$='/certificate.pdf']")
    expect(certificate).to_have_count(1)
    response = page.request.get(ui.url(certificate.get_attribute("href")))
    assert response.ok and response.body().startswith(b"%PDF"), response.headers
    assert response.headers["content-type"].startswith("application/pdf")
    ui.shot("14-dossier-certificate")
