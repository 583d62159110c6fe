"""Claims in Chromium (issue 6, B5): a claimed group task says so before anyone types.

Runs against the shared demo server (`live_server`). In the demo history the application 鄂尔多斯能源创新工场
(caoyuan, recommended by 鄂尔多斯市科技局) waits at the Torch Center's 材料完整性审核. One Torch Center
reviewer (torch1) claims it; a colleague (torch2) opening it sees who claimed it and since when, with the
form read-only; torch1 releases it and it is the group's again. The test leaves the task as it found it.
Screenshots go to tests/browser/screenshots/outcomes-NN-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .ui import DISPLAY, UI

SPACE = "鄂尔多斯能源创新工场"
TASK = "材料完整性审核"
WHEN = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"


class OutcomesUI(UI):
    def __init__(self, page: Page, base_url: str, shots: Path):
        super().__init__(page, base_url, shots, prefix="outcomes-")
        self.count = 0

    def shot(self, name: str) -> None:
        self.count += 1
        super().shot(f"{self.count:02d}-{name}")

    def task_row(self):
        """This application's 材料完整性审核 in the inbox (on the page shown now)."""
        return self.page.locator("#inbox tbody tr").filter(has_text=SPACE).filter(
            has=self.page.get_by_role("link", name=TASK, exact=True))


@pytest.mark.browser
def test_a_claimed_task_is_read_only_for_colleagues_until_released(page: Page, live_server, screenshot_dir):
    page.set_default_timeout(15_000)
    ui = OutcomesUI(page, live_server, screenshot_dir)
    claimer = DISPLAY["torch1"]

    # --- torch1 claims the group task from the inbox
    ui.login("torch1")  # lands on the inbox
    row = ui.task_row()
    expect(row).to_have_count(1)
    href = row.get_by_role("link", name=TASK, exact=True).get_attribute("href")
    assert re.fullmatch(r"/tasks/\d+", href), href
    row.get_by_role("button", name="认领", exact=True).click()
    expect(page).to_have_url(ui.url("/"))
    expect(page.locator(".flash.success")).to_contain_text("您已认领此任务")
    expect(row).to_contain_text(claimer)
    expect(row.get_by_role("button", name="释放", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="认领", exact=True)).to_have_count(0)
    ui.shot("claimed-inbox")

    # the claimer's task page says it is theirs, and the form can be filled in
    ui.go(href)
    expect(page.locator("main h1")).to_have_text(TASK)
    expect(page.locator("#task-claimed")).to_contain_text(re.compile(rf"您于 {WHEN} 认领了此任务。"))
    expect(page.locator("#task-claimed").get_by_role("button", name="释放", exact=True)).to_be_visible()
    expect(page.locator("#task-form [name=material_comments]")).to_be_editable()
    expect(page.locator("#task-form button[type=submit]")).to_be_enabled()
    ui.shot("claimer-task")

    # --- torch2: the inbox names the claimer and offers no claim; the task page is read-only and says why
    ui.login("torch2")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(claimer)
    expect(row.get_by_role("button")).to_have_count(0)
    ui.go(href)
    expect(page.locator("main h1")).to_have_text(TASK)
    expect(page.locator("section.case")).to_contain_text(SPACE)
    banner = page.locator("#task-claimed")
    expect(banner).to_contain_text(re.compile(rf"此任务已由{re.escape(claimer)}于 {WHEN} 认领"))
    expect(banner).to_contain_text("待其释放后方可在此办理")
    expect(page.locator("#task-form fieldset.plain")).to_have_attribute("disabled", "")
    fields = page.locator("#task-form input[name=material_decision], #task-form [name=material_comments]")
    expect(fields).not_to_have_count(0)
    for field in fields.all():
        expect(field).to_be_disabled()
    expect(page.locator("#task-form button[type=submit]")).to_be_disabled()
    ui.shot("colleague-read-only")

    # --- torch1 releases it: back in the group inbox, nobody's claim
    ui.login("torch1")
    row.get_by_role("button", name="释放", exact=True).click()
    expect(page).to_have_url(ui.url("/"))
    expect(page.locator(".flash.success")).to_contain_text("该待办已释放")
    expect(row).not_to_contain_text(claimer)
    expect(row.get_by_role("button", name="认领", exact=True)).to_be_visible()
    ui.shot("released-inbox")

    # --- torch2 can now work on it: no claim banner, the form is open
    ui.login("torch2")
    ui.go(href)
    expect(page.locator("#task-claimed")).to_have_count(0)
    expect(page.locator("#task-form [name=material_comments]")).to_be_editable()
    expect(page.locator("#task-form button[type=submit]")).to_be_enabled()
    ui.shot("colleague-after-release")
