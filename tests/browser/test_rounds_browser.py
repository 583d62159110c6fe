"""Application rounds in Chromium (issue 6, A1): the Department opens a round, an applicant applies in it, the
Department closes it early, and an application after that is refused with the date the next round opens.

Closing rounds changes what the other browser tests rely on (the demo's open round), so this test runs
against a demo server of its own. Screenshots go to tests/browser/screenshots/rounds-NN-*.png.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .ui import UI

SPACE = "青城第二批众创空间"


class RoundsUI(UI):
    def __init__(self, page: Page, base_url: str, shots: Path):
        super().__init__(page, base_url, shots, prefix="rounds-")
        self.count = 0

    def shot(self, name: str) -> None:
        self.count += 1
        super().shot(f"{self.count:02d}-{name}")

    def round_row(self, title: str):
        return self.page.locator("#rounds tbody tr").filter(
            has=self.page.get_by_role("link", name=title, exact=True))

    def open_round(self, title: str, batch: int, opens: date, closes: date, units: list[str], instructions: str,
                   screenshot: str | None = None) -> None:
        page = self.page
        self.go("/rounds")
        page.get_by_role("link", name="开放新批次").click()
        expect(page).to_have_url(self.url("/rounds/new"))
        form = page.locator("#round-form")
        form.locator("input[name=title]").fill(title)
        form.locator("input[name=batch]").fill(str(batch))
        form.locator("input[name=opens_on]").fill(opens.isoformat())
        form.locator("input[name=closes_on]").fill(closes.isoformat())
        for box in form.locator("input[name=units]").all():
            box.uncheck()
        for name in units:
            form.get_by_label(name, exact=True).check()
        form.locator("textarea[name=instructions]").fill(instructions)
        if screenshot:
            self.shot(screenshot)
        form.locator("button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/rounds/\d+$"))
        expect(page.locator(".flash.success")).to_contain_text(title)
        expect(page.locator("main h1")).to_contain_text(title)

    def close_round(self, title: str, screenshot: str | None = None) -> None:
        page = self.page
        self.go("/rounds")
        self.round_row(title).get_by_role("link", name=title, exact=True).click()
        form = page.locator("#close-round")
        expect(form).to_contain_text("不可撤销")
        form.locator("button[type=submit]").click()  # without ticking the confirmation: refused
        expect(page.locator(".flash.error")).to_contain_text("请先勾选确认")
        expect(page.locator("main h1 .status")).to_have_text("受理中")
        page.locator("#close-round input[name=confirm]").check()
        if screenshot:
            self.shot(screenshot)
        page.locator("#close-round button[type=submit]").click()
        expect(page.locator(".flash.success")).to_contain_text(f"批次「{title}」已提前截止")
        expect(page.locator("main h1 .status")).to_have_text("已截止")
        expect(page.locator("#close-round")).to_have_count(0)


@pytest.mark.browser
def test_department_opens_and_closes_a_round_and_applying_follows_it(page: Page, own_server, screenshot_dir):
    page.set_default_timeout(15_000)
    ui = RoundsUI(page, own_server, screenshot_dir)

    # --- the Department (approver): the demo's round is open; the form starts from the server's today
    ui.login("approver")
    page.get_by_role("link", name="申报批次", exact=True).click()
    expect(page).to_have_url(ui.url("/rounds"))
    demo_round = page.locator("#rounds tbody tr").filter(has_text="（第一批）")
    expect(demo_round).to_have_count(1)
    expect(demo_round).to_contain_text("受理中")
    demo_title = demo_round.locator("a").inner_text().strip()
    year = int(demo_title[:4])
    ui.shot("list")
    ui.go("/rounds/new")
    today = date.fromisoformat(page.locator("input[name=opens_on]").input_value())
    expect(page.locator("input[name=batch]")).to_have_value("2")

    # the first batch is over early (so that only the new rounds decide who may apply)
    ui.close_round(demo_title)

    # a second batch, open from today for 30 days, for 呼和浩特 and 包头; a third announced for later
    second, third = f"{year}年度自治区众创空间认定（第二批）", f"{year}年度自治区众创空间认定（第三批）"
    ui.open_round(second, 2, today, today + timedelta(days=30), ["呼和浩特市科技局", "包头市科技局"],
                  "第二批仅受理呼和浩特市、包头市的申报，请于截止日前提交申报书及第七条所列材料。", screenshot="new-round")
    expect(page.locator("main h1 .status")).to_have_text("受理中")
    expect(page.locator("ul.units li")).to_have_text(["呼和浩特市科技局", "包头市科技局"])
    ui.shot("opened")
    third_opens = today + timedelta(days=90)
    ui.open_round(third, 3, third_opens, third_opens + timedelta(days=30), ["呼和浩特市科技局"], "第三批申报须知。")
    expect(page.locator("main h1 .status")).to_have_text("未开始")
    ui.go("/rounds")
    expect(ui.round_row(second)).to_contain_text("受理中")
    expect(ui.round_row(third)).to_contain_text("未开始")
    expect(ui.round_row(demo_title)).to_contain_text("已截止")
    ui.shot("three-rounds")

    # --- applicant (qingcheng, 呼和浩特): applies in the second batch, seeing its closing day and instructions
    ui.login("qingcheng")
    page.get_by_role("link", name="新建申报").first.click()
    expect(page).to_have_url(ui.url("/applications/new"))
    facts = page.locator("#round-facts")
    expect(facts).to_contain_text(second)
    expect(facts).to_contain_text((today + timedelta(days=30)).isoformat())
    expect(page.locator("main .instructions")).to_contain_text("第二批仅受理呼和浩特市、包头市的申报")
    page.fill("input[name=space_name]", SPACE)
    ui.shot("applicant-new")
    page.locator("main form button").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(page.locator("main h1")).to_have_text("填写并提交申报书")
    expect(page.locator("section.case")).to_contain_text(second)

    # --- the Department sees the application in the round, then closes the round early
    ui.login("approver")
    ui.go("/rounds")
    expect(ui.round_row(second).locator("td").last).to_have_text("1")
    ui.round_row(second).get_by_role("link", name=second, exact=True).click()
    applications = page.locator("#round-applications tbody tr")
    expect(applications).to_have_count(1)
    expect(applications).to_contain_text("呼和浩特青城创客科技有限公司")
    ui.shot("round-applications")
    applications.get_by_role("link", name=SPACE, exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(page.locator("main h1")).to_contain_text(SPACE)
    ui.close_round(second, screenshot="close-confirm")
    ui.shot("closed")

    # --- applicant: a new application is refused, saying when the next round opens
    ui.login("qingcheng")
    page.get_by_role("link", name="新建申报").first.click()
    expect(page).to_have_url(ui.url("/applications"))
    expect(page.locator(".flash.error")).to_have_text(
        f"您所属推荐单位目前没有正在受理的申报批次。下一批次「{third}」将于 {third_opens.isoformat()} 开放申报。")
    expect(page.locator("main")).not_to_contain_text("当前受理批次")
    ui.shot("refused")
