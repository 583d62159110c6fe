"""Months and years in diagram code are counted on the calendar people in Inner Mongolia read (China time).

`add_duration` counted them in the zone of the moment it was given: the app's clock is UTC, so a space
recognised at midnight on 1 January (China time) — 16:00 on 31 December in UTC — had its first half-year
report period open on 2 July, not 1 July: 31 December plus six months is past 30 June."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from webapp.engine.sandbox import add_duration

CHINA = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


@pytest.mark.parametrize(("start", "duration", "expected"), [
    ("2027-01-01 00:00", "P6M", "2027-07-01 00:00"),  # midnight in China is the evening before in UTC
    ("2027-01-01 07:59", "P6M", "2027-07-01 07:59"),
    ("2027-03-01 07:00", "P1M", "2027-04-01 07:00"),  # UTC: 28 February plus February's 28 days
    ("2026-03-01 00:00", "P3Y", "2029-03-01 00:00"),
    ("2027-01-01 00:00", "P1M", "2027-02-01 00:00"),
    ("2027-03-10 09:00", "P15D", "2027-03-25 09:00"),  # days are days whatever the zone
])
def test_months_and_years_are_counted_on_chinas_calendar(start, duration, expected):
    for zone in (UTC, CHINA):  # the same moment, written in either zone
        given = china(start).astimezone(zone).isoformat()
        assert datetime.fromisoformat(add_duration(given, duration)) == china(expected), (given, duration)
