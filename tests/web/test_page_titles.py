"""Every page names itself in the browser's tab (and in the history and bookmarks): the page's heading before
the site's name, not the generic title shared by all."""

from __future__ import annotations

import re

import pytest

PAGES = [  # (who, address, title)
    ("applicant_a", "/notifications", "消息通知"),
    ("applicant_a", "/applications/new", "新建申报"),
    ("torch1", "/admin/holidays", "节假日日历"),
    ("designer", "/admin/definitions", "流程定义"),
]


@pytest.mark.parametrize(("who", "path", "title"), PAGES)
def test_a_page_names_itself_in_the_tab(login, world, who, path, title):
    html = login(who).get(path).get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert re.search(r"<title>(.*?) · ", html).group(1) == heading == title
