"""The steps a person takes in the browser, shared by the browser tests, and the demo accounts they log in as.

Elements are found by form field names and by the Chinese texts of the UI. The accounts are those of
webapp/demo.py: one password for all, and the display name the page header shows once logged in.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

PASSWORD = "demo12345"
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")  # a time as the pages show it
EXPERTS = {  # username -> display name (webapp/demo.py)
    "expert1": "专家 赵教授（工大）",  # works at a 呼和浩特 unit (内蒙古工业大学)
    "expert2": "专家 钱研究员",  # 内蒙古科技大学, 包头
    "expert3": "专家 孙高工",
    "expert4": "专家 周教授",
    "expert5": "专家 吴会计师",
}
DISPLAY = {  # username -> display name (webapp/demo.py)
    "qingcheng": "青城创客（申报单位）", "lucheng": "鹿城众创（申报单位）", "caoyuan": "草原星火（申报单位）",
    "hohhot_bureau": "呼和浩特市科技局", "baotou_bureau": "包头市科技局", "ordos_bureau": "鄂尔多斯市科技局",
    "torch1": "火炬中心 王审核", "torch2": "火炬中心 李审核", **EXPERTS,
    "approver": "科技厅 高新处", "supervisor": "监督员 郑监督", "designer": "流程设计 冯设计",
}


def make_pdf(path: Path, title: str) -> Path:
    """A small, well-formed one-page PDF."""
    text = title.encode("ascii")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


class UI:
    """The steps a person takes in the browser, with the checks that they worked.

    Screenshots go to `shots` as `{prefix}{name}.png`.
    """

    def __init__(self, page: Page, base_url: str, shots: Path, prefix: str = ""):
        self.page, self.base, self.shots, self.prefix = page, base_url, shots, prefix
        self.user: str | None = None

    def url(self, path: str) -> str:
        return self.base + path

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.prefix}{name}.png"), full_page=True)

    def login(self, username: str, screenshot: str | None = None) -> None:
        if self.user:
            self.logout()
        page = self.page
        page.goto(self.url("/login"))
        expect(page.locator("main h1")).to_contain_text("登录")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        if screenshot:
            self.shot(screenshot)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(self.url("/"))
        expect(page.locator("header .who")).to_contain_text(DISPLAY[username])
        self.user = username

    def logout(self) -> None:
        self.page.locator("header form[action$='/logout'] button").click()
        expect(self.page).to_have_url(re.compile(r"/login$"))
        expect(self.page.locator("header .who")).to_have_count(0)
        self.user = None

    def open_task(self, title: str, row_pattern: re.Pattern, case_text: str) -> None:
        """Open the task from the inbox: the row matching `row_pattern`, the link with the task's title.

        The task page must show the title as its heading and `case_text` in the case summary.
        """
        page = self.page
        page.goto(self.url("/"))
        row = page.locator("#inbox tbody tr").filter(has_text=row_pattern).filter(
            has=page.get_by_role("link", name=title, exact=True))
        expect(row).to_have_count(1)
        row.get_by_role("link", name=title, exact=True).click()
        expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
        expect(page.locator("main h1")).to_have_text(title)
        expect(page.locator("section.case")).to_contain_text(case_text)

    def check(self, name: str, value: str) -> None:
        self.page.locator(f"#task-form input[name={name}][value={value}]").check()

    def fill(self, name: str, value: str) -> None:
        self.page.locator(f"#task-form [name={name}]").fill(value)

    def submit_task(self, title: str, screenshot: str | None = None, step: str | None = None,
                    next_title: str | None = None) -> None:
        """Submit the open task. The flash names the task and where the case went: `step` (its current step,
        back in the inbox), or `next_title` when the next step is this person's too and opens straight away."""
        if screenshot:
            self.shot(screenshot)
        self.page.locator("#task-form button[type=submit]").click()
        if next_title:
            expect(self.page).to_have_url(re.compile(r"/tasks/\d+$"))
            expect(self.page.locator("main h1")).to_have_text(next_title)
            # the next step is also this person's (not a return): said as such, not as a warning
            flash = self.page.locator(".flash.success")
            expect(flash).to_contain_text(title)
            expect(flash).to_contain_text(f"下一环节仍由您办理：{next_title}")
            return
        expect(self.page).to_have_url(self.url("/"))
        flash = self.page.locator(".flash.success")
        expect(flash).to_contain_text(f"已提交“{title}”")
        if step:
            expect(flash).to_contain_text(step)

    def go(self, path: str) -> None:
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, f"GET {path} answered {response and response.status}"

    def table_after(self, heading: str):
        """The table that follows the <h2> with this exact text (the dossier's sections)."""
        return self.page.locator(f"xpath=//main//h2[normalize-space()='{heading}']/following-sibling::table[1]")

    def notice_end(self, text: str) -> datetime:
        """When the public notice whose row shows `text` ends: the notices page (公示公告) gives its last day
        (inclusive), so it ends at the start of the next day."""
        self.go("/notices")
        notice = self.page.locator("main table tr").filter(has_text=text)
        expect(notice).to_have_count(1)
        last_day = re.findall(r"\d{4}-\d{2}-\d{2}", notice.inner_text())[-1]
        return datetime.strptime(last_day, "%Y-%m-%d") + timedelta(days=1)

    def move_clock_past(self, end: datetime, at_least_days: int) -> int:
        """Move the demo clock (演示时钟; Torch Center, supervisor, designer) at least `at_least_days` days
        forward and past `end`; the page runs the timers that fell due. Returns the days moved."""
        page = self.page
        self.go("/admin/clock")
        now = datetime.strptime(page.locator("main strong").inner_text().strip(), "%Y-%m-%d %H:%M")
        days = max(at_least_days, math.ceil((end - now) / timedelta(days=1)) + 1)
        page.fill("input[name=days]", str(days))
        page.locator("main form button").click()
        expect(page).to_have_url(self.url("/admin/clock"))
        expect(page.locator(".flash.success")).to_contain_text(str(days))
        moved = datetime.strptime(page.locator("main strong").inner_text().strip(), "%Y-%m-%d %H:%M")
        assert moved - now >= timedelta(days=days)
        return days
