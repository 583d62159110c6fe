"""Saving a filter echoes the filter back in the list's link: only a filter the list understands goes back,
never the raw text posted (an outside probe posted a line break and a header, or 100 KB, with no name)."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import SavedFilter


def _follow(browser, response) -> str:
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def test_a_filter_without_a_name_goes_back_without_the_raw_text_posted(login):
    torch1 = login("torch1")
    response = torch1.post("/instances/filters", {"name": "", "query": "status=running&a\r\nSet-Cookie: evil=1"},
                           from_page="/instances")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/instances?status=running")
    assert "evil" not in str(response.headers)
    assert "请为筛选起一个名称。" in _follow(torch1, response)


def test_a_filter_too_long_to_keep_is_refused_with_a_reason(login):
    torch1 = login("torch1")
    response = torch1.post("/instances/filters", {"name": "", "query": "status=running&" + "x" * 100_000},
                           from_page="/instances")
    assert response.status_code == 302
    assert len(response.headers["Location"]) < 200
    assert "筛选条件过长" in _follow(torch1, response)
    response = torch1.post("/instances/filters", {"name": "很长的", "query": "status=running&" + "x" * 2000},
                           from_page="/instances")
    assert len(response.headers["Location"]) < 200
    assert "筛选条件过长" in _follow(torch1, response)


def _filters() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(SavedFilter.name)))


def test_a_filter_name_too_long_is_told_how_long_it_may_be(login, world):
    torch1 = login("torch1")
    response = torch1.post("/instances/filters", {"name": "筛" * 81, "query": "status=running"},
                           from_page="/instances")
    assert response.status_code == 302 and response.headers["Location"].endswith("/instances?status=running")
    html = torch1.get(response.headers["Location"]).get_data(as_text=True)
    assert "筛选名称最多 80 个字，请缩短后再保存。" in html
    assert "请为筛选起一个名称" not in html
    assert _filters() == []
    # 80 characters are kept, the spaces and the line break around them not counted (nor kept)
    torch1.post("/instances/filters", {"name": " " + "筛" * 80 + " \r\n", "query": "status=running"},
                from_page="/instances")
    assert _filters() == ["筛" * 80]
    assert db.session.scalar(select(func.count(SavedFilter.id))) == 1
