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
from webapp.models import Holiday, PublicNotice


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


def entered_years() -> set[int]:
    """The years staff entered holidays for: a year with any day entered is known as a whole."""
    return {d.year for d in db.session.scalars(select(Holiday.day))}


def end_still_provisional(notice: PublicNotice, now: datetime) -> bool:
    """Whether a notice's last day is still to be read as provisional (（暂定）): it was worked out with weekends
    only, for a year whose calendar is still unknown, and the notice still runs. Once it has ended (or was
    withdrawn) its day is what it was. Entering that year's holidays counts every running notice again
    (webapp/notices/holidays.py), which clears the mark and moves the end where the holidays fall in it."""
    if not notice.provisional_end or notice.ends_at is None or notice.withdrawn_at is not None:
        return False
    return notice.ends_at > now


def _overrides(first: date, last: date) -> dict[date, bool]:
    return {h.day: h.is_workday
            for h in db.session.scalars(select(Holiday).where(Holiday.day >= first, Holiday.day <= last))}


def working_days_in(start: datetime, end: datetime) -> int:
    """How many working days a notice from `start` to `end` (00:00 of the day after its last) lasts by the
    calendar as it stands: the days after the start day up to the last day. The inverse of add_working_days
    for the calendar it was counted with, so a notice can be counted again when the calendar changes."""
    first = start.astimezone(CHINA).date() + timedelta(days=1)
    last = end.astimezone(CHINA).date() - timedelta(days=1)
    overrides, entered = _overrides(first, last), entered_years()
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return sum(1 for day in days if is_workday(day, overrides, entered)[0])


def add_working_days(start: datetime, count: int) -> tuple[datetime, bool]:
    """The notice runs for `count` full working days after the start day; it ends at 00:00 (Beijing
    time) of the day after the last one. Returns (end, provisional)."""
    if count < 1:
        raise ValueError("a notice lasts at least one working day")
    local = start.astimezone(CHINA).date()
    horizon = local + timedelta(days=count * 3 + 30)
    overrides = _overrides(local + timedelta(days=1), horizon)
    entered = entered_years()
    provisional, day, counted = False, local, 0
    while counted < count:
        day += timedelta(days=1)
        working, guessed = is_workday(day, overrides, entered)
        provisional = provisional or guessed
        if working:
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), CHINA), provisional
