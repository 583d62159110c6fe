"""Notices in Chromium: every control on the page can be read against what is behind it (WCAG AA contrast,
4.5:1), and marking one notice as read takes it off the unread count.

A demo server of its own: the test marks a notice as read. Screenshots: notices-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import demo_server
from .ui import UI

BACKDROP = """el => {  // the colour behind an element: the first ancestor (or itself) with an opaque background
    for (let node = el; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
    }
    return 'rgb(255, 255, 255)';
}"""


@pytest.fixture(scope="module")
def notices_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("notices-server")) as base_url:
        yield base_url


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(control: Locator) -> float:
    """The contrast ratio of a control's text against its backdrop (1 to 21)."""
    text = _luminance(_rgb(control.evaluate("el => getComputedStyle(el).color")))
    behind = _luminance(_rgb(control.evaluate(BACKDROP)))
    lighter, darker = max(text, behind), min(text, behind)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.browser
def test_notices_can_be_read_and_marked_as_read(page: Page, notices_server, screenshot_dir):
    ui = UI(page, notices_server, screenshot_dir, prefix="notices-")
    ui.login("torch2")
    badge = page.locator("header a[href='/notifications'] .badge")
    unread = int(badge.first.inner_text())
    ui.go("/notifications")
    marks = page.get_by_role("button", name="标为已读", exact=True)
    expect(marks.first).to_be_visible()
    assert marks.count() == unread
    for control in (marks.first, page.get_by_role("button", name="全部标为已读"),
                    page.locator("header").get_by_role("button", name="退出登录")):
        assert contrast(control) >= 4.5, control
    ui.shot("01-list")

    first = page.locator("ul.notices li.unread").first
    text = first.locator("a").inner_text()
    first.get_by_role("button", name="标为已读", exact=True).click()
    read = page.locator("ul.notices li").filter(has_text=text)
    expect(read).not_to_have_class(re.compile("unread"))
    expect(read.locator(".badge")).to_have_count(0)
    expect(badge.first).to_have_text(str(unread - 1))
    ui.shot("02-one-read")
