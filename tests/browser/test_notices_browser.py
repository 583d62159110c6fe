"""Text in Chromium can be read: every piece of text on the pages a Torch Center reviewer uses most stands out
from what is behind it by WCAG AA's contrast (4.5:1, 3:1 for large text), and marking a notice as read
takes it off the unread count.

A demo server of its own: the test marks a notice as read. Screenshots: notices-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .ui import UI

# Every element with text of its own, visible, whose colour against the first opaque background behind it
# falls short of WCAG AA; as [tag, class, text, ratio].
LOW_CONTRAST = r"""() => {
    const channels = c => c.match(/[\d.]+/g).map(Number);
    const alpha = c => { const v = channels(c); return v.length > 3 ? v[3] : 1; };
    const luminance = c => {
        const [r, g, b] = channels(c).slice(0, 3).map(v => v / 255)
            .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const backdrop = el => {
        for (let node = el; node; node = node.parentElement) {
            const colour = getComputedStyle(node).backgroundColor;
            if (alpha(colour) > 0.5) return colour;
        }
        return 'rgb(255, 255, 255)';
    };
    const low = [];
    for (const el of document.querySelectorAll('body *')) {
        if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
        const box = el.getBoundingClientRect(), style = getComputedStyle(el);
        if (!box.width || !box.height || style.visibility === 'hidden' || alpha(style.color) < 0.5) continue;
        const a = luminance(style.color), b = luminance(backdrop(el));
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const size = parseFloat(style.fontSize), large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) low.push([el.tagName, el.className, el.textContent.trim().slice(0, 40), ratio.toFixed(2)]);
    }
    return low;
}"""


@pytest.mark.browser
def test_text_can_be_read_and_a_notice_marked_as_read(page: Page, own_server, screenshot_dir):
    ui = UI(page, own_server, screenshot_dir, prefix="notices-")
    ui.login("torch2")
    for path in ("/", "/instances", "/notifications"):  # the inbox, the list of cases, the notices
        ui.go(path)
        assert page.evaluate(LOW_CONTRAST) == [], path
    # The styles other pages use for status and warnings (已超期, graded fail, errors), whether or not the
    # demo shows one right now: one sample each, on the page's own background.
    page.evaluate("""() => {
        const box = document.createElement('div');
        box.innerHTML = ['muted', 'warn', 'error', 'badge', 'pill', 'pill overdue', 'flash warning', 'flash error',
                         'flash success'].map(c => `<p><span class="${c}">示例 ${c}</span></p>`).join('');
        document.querySelector('main').appendChild(box);
    }""")
    assert page.evaluate(LOW_CONTRAST) == [], "status and warning styles"
    badge = page.locator("header a[href='/notifications'] .badge")
    unread = int(badge.inner_text())
    marks = page.get_by_role("button", name="标为已读", exact=True)
    expect(marks.first).to_be_visible()
    assert marks.count() == unread
    ui.shot("01-list")

    first = page.locator("ul.notices li.unread").first
    text = first.locator("a").inner_text()
    first.get_by_role("button", name="标为已读", exact=True).click()
    read = page.locator("ul.notices li").filter(has_text=text)
    expect(read).not_to_have_class(re.compile("unread"))
    expect(read.locator(".badge")).to_have_count(0)
    expect(badge).to_have_text(str(unread - 1))
    ui.shot("02-one-read")
