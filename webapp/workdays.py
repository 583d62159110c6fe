"""Working days for public notices (公示), following the national holiday calendar with make-up days.

Sources in order: days staff entered by hand (Holiday table), then the chinesecalendar package (which
knows years up to its release, and raises NotImplementedError beyond). Past both, only weekends count and
the result is marked provisional, so the notice can say its end date may still move.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
from sqlalchemy import select

from webapp.clock import CHINA
from webapp.extensions import db
from webapp.models import Holiday


def is_workday(day: date, overrides: dict[date, bool], entered_years: set[int]) -> tuple[bool, bool]:
    """(is it a working day, is the answer provisional). A year for which staff entered its holidays
    is known: its other days follow the weekday rule and are not provisional."""
    if day in overrides:
        return overrides[day], False
    if day.year in entered_years:
        return day.weekday() < 5, False
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: datetime, count: int) -> tuple[datetime, bool]:
    """The notice runs for `count` full working days after the start day; it ends at 00:00 (Beijing
    time) of the day after the last one. Returns (end, provisional)."""
    if count < 1:
        raise ValueError("a notice lasts at least one working day")
    local = start.astimezone(CHINA).date()
    horizon = local + timedelta(days=count * 3 + 30)
    overrides = {
        h.day: h.is_workday
        for h in db.session.scalars(select(Holiday).where(Holiday.day > local, Holiday.day <= horizon))
    }
    # A year staff entered (any day of it) is known as a whole, even where the window holds none of it.
    entered_years = {d.year for d in db.session.scalars(select(Holiday.day))}
    provisional, day, counted = False, local, 0
    while counted < count:
        day += timedelta(days=1)
        working, guessed = is_workday(day, overrides, entered_years)
        provisional = provisional or guessed
        if working:
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), CHINA), provisional
