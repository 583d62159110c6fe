"""Notice periods count working days on the national holiday calendar (evaluation-defaults.md)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from webapp.extensions import db
from webapp.models import Holiday
from webapp.workdays import add_working_days

CN = ZoneInfo("Asia/Shanghai")


def test_five_working_days_from_a_monday(app):
    end, provisional = add_working_days(datetime(2026, 3, 2, 9, tzinfo=CN), 5)
    assert end == datetime(2026, 3, 10, 0, 0, tzinfo=CN) and provisional is False


def test_national_day_holidays_are_skipped_and_make_up_days_count(app):
    # 2026: 10-01..10-07 are holidays; Sunday 09-20 and Saturday 10-10 are make-up working days
    end, provisional = add_working_days(datetime(2026, 9, 30, 10, tzinfo=CN), 1)
    assert end.date() == date(2026, 10, 9) and not provisional
    end, _ = add_working_days(datetime(2026, 10, 9, 10, tzinfo=CN), 1)
    assert end.date() == date(2026, 10, 11)  # Saturday 10-10 is a make-up working day


def test_beyond_the_known_calendar_weekends_count_and_the_end_is_provisional(app):
    end, provisional = add_working_days(datetime(2026, 12, 30, 10, tzinfo=CN), 5)
    assert provisional is True
    assert end.date() == date(2027, 1, 7)  # Thu 12-31, then Fri 1-1 (unknown), Mon-Wed 1-4..6


def test_holidays_entered_by_staff_are_used_and_not_provisional(app):
    db.session.add(Holiday(day=date(2027, 1, 1), is_workday=False, name="元旦"))
    db.session.add(Holiday(day=date(2027, 1, 4), is_workday=False, name="元旦调休"))
    db.session.flush()
    end, provisional = add_working_days(datetime(2026, 12, 31, 10, tzinfo=CN), 1)
    assert end.date() == date(2027, 1, 6)  # 1-1 and 1-4 entered as holidays, 1-2/1-3 weekend, 1-5 works
    assert provisional is False


def test_a_year_entered_by_staff_is_known_even_outside_the_window(app):
    db.session.add(Holiday(day=date(2027, 10, 1), is_workday=False, name="国庆节"))
    db.session.flush()
    end, provisional = add_working_days(datetime(2027, 3, 1, 10, tzinfo=CN), 5)
    assert provisional is False and end.date() == date(2027, 3, 9)
