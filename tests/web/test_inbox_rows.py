"""An inbox row's text is worked out in Python once per page (webapp/inbox/rows.py): the deadline as people
read it, in both languages, and addresses built once per page that are the same as `url_for`'s."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import url_for
from flask_babel import force_locale

from webapp.labels import due_label, local_date, local_time
from webapp.views import url_pattern

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)


@pytest.mark.parametrize(("due", "now", "zh", "en"), [
    # A deadline at an hour says the hour: the step is overdue from then, not from the day's end.
    (NOW + timedelta(days=3, hours=1), NOW, "2026-03-05 10:00（还剩 3 天）", "2026-03-05 10:00 (3 days left)"),
    (NOW + timedelta(hours=5), NOW, "2026-03-02 14:00（今日到期）", "2026-03-02 14:00 (due today)"),
    # One day in English is singular; Chinese has one form.
    (NOW + timedelta(days=1), NOW, "2026-03-03 09:00（还剩 1 天）", "2026-03-03 09:00 (1 day left)"),
    # An end at midnight is the day before's end (含当日): 3 March 00:00 reads as 2 March.
    (datetime(2026, 3, 3, 0, 0, tzinfo=CHINA), NOW, "2026-03-02（今日到期）", "2026-03-02 (due today)"),
    (datetime(2026, 3, 13, 0, 0, tzinfo=CHINA), NOW, "2026-03-12（还剩 10 天）", "2026-03-12 (10 days left)"),
    # Days are counted in calendar days: late in the evening the same deadline is still 10 days away
    # (whole 24-hour spans said 9), and it is overdue by days, not by spans begun.
    (datetime(2026, 3, 13, 0, 0, tzinfo=CHINA), NOW.replace(hour=23, minute=30), "2026-03-12（还剩 10 天）",
     "2026-03-12 (10 days left)"),
    (NOW - timedelta(days=2, hours=1), NOW, "2026-02-28 08:00（已逾期 2 天）", "2026-02-28 08:00 (overdue by 2 days)"),
    (NOW - timedelta(minutes=2), NOW, "2026-03-02 08:58（已逾期 1 天）", "2026-03-02 08:58 (overdue by 1 day)"),
])
def test_a_deadline_reads_as_its_last_day_and_the_days_left(app, due, now, zh, en):
    with app.test_request_context("/"):
        with force_locale("zh"):
            chinese = due_label(due, now)
        with force_locale("en"):
            english = due_label(due, now)
    assert (chinese, english.replace("（", " (").replace("）", ")")) == (zh, en)


def test_an_address_pattern_is_url_for_for_every_id(app):
    with app.test_request_context("/", base_url="http://example.org/makerspace/"):
        task = url_pattern("inbox.task", "task_id")
        claim = url_pattern("inbox.claim", "task_id")
        for ident in (1, 42, 2_147_483_647):
            assert task(ident) == url_for("inbox.task", task_id=ident)
            assert claim(ident) == url_for("inbox.claim", task_id=ident)
        assert task(7).startswith("/makerspace/")


def test_times_and_days_read_in_china_whatever_zone_they_were_stored_in(app):
    late_evening_utc = datetime(2026, 3, 2, 16, 30, tzinfo=ZoneInfo("UTC"))  # 3 March 00:30 in China
    assert (local_time(late_evening_utc), local_date(late_evening_utc)) == ("2026-03-03 00:30", "2026-03-03")
    assert (local_time(None), local_date(None)) == ("", "")
    with app.app_context():
        filters = app.jinja_env.filters
        assert (filters["localtime"](late_evening_utc), filters["localdate"](late_evening_utc)) == \
            ("2026-03-03 00:30", "2026-03-03")
