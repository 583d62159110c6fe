"""The demo clock's confirmation counts days and cases in words of their own number ("1 days; 1 cases had due
timers" in English before), and a number of days that is none is told so once."""

from __future__ import annotations

import re


def _moved(browser, days: str) -> str:
    response = browser.post("/admin/clock", {"days": days})
    assert response.status_code == 302
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    return re.sub(r"\s+", " ", html)


def test_the_demo_clock_says_one_day_and_one_case_in_english(app, login, world, monkeypatch):
    import tasks.sweep

    app.config["DEMO_MODE"] = True
    torch1 = login("torch1")
    torch1.get("/admin/clock?lang=en")
    said = _moved(torch1, "1")
    assert "The clock moved forward 1 day; 0 cases had due timers." in said, said
    monkeypatch.setattr(tasks.sweep, "sweep_once", lambda: 1)  # the sweep after the move fired one case's timers
    assert "The clock moved forward 2 days; 1 case had due timers." in _moved(torch1, "2")
    monkeypatch.setattr(tasks.sweep, "sweep_once", lambda: 3)
    assert "The clock moved forward 1 day; 3 cases had due timers." in _moved(torch1, "1")
    torch1.get("/admin/clock?lang=zh")
    assert "时钟已拨快 3 天，3 个事项的定时任务已到期。" in _moved(torch1, "3")


def test_the_demo_clock_refuses_nan_with_one_message(app, login, world):
    app.config["DEMO_MODE"] = True
    torch1 = login("torch1")
    for typed in ("NaN", "inf", "abc"):
        response = torch1.post("/admin/clock", {"days": typed})
        assert response.status_code == 200, typed
        html = response.get_data(as_text=True)
        assert re.findall(r'<p class="error">([^<]*)</p>', html) == ["请输入整数。"], typed
