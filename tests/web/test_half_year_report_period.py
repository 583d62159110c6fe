"""The half-year report step names the half year it is about and its last day (Art. 17; bpmn/lifecycle.bpmn).

The operator read 请填报本半年度… and had to work out which half year, and until when. Periods run from the
recognition date, six months each, and the step opens when one has ended; the words are the diagram's (its
script names the period, its instructions print it with the deadline)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from webapp.clock import clock

from .lifecycle import (
    FIRST_REPORT,
    HALF_YEAR,
    REPORT,
    inbox_task,
    make_recognised_space,
    move_clock_to,
    page,
    submit,
    until_half_year_report,
)

CHINA = ZoneInfo("Asia/Shanghai")


def test_the_report_step_names_its_half_year_and_its_last_day(login, world, space_id):
    operator = login("applicant_a")
    first = until_half_year_report(login)  # recognised 2026-03-02 09:00: the first period ends 2026-09-02 09:00
    html = page(operator, f"/tasks/{first}")
    # 30 days, to the end of the day
    assert "请于 2026-10-02（含当日）前填报2026年3月2日至9月1日的综合运营情况和统计数据" in html
    assert "本半年度" not in html
    submit(operator, first, REPORT)
    move_clock_to(FIRST_REPORT + timedelta(days=182))  # 2027-03-02: the next period has ended
    html = page(operator, f"/tasks/{inbox_task(operator, HALF_YEAR)}")
    assert "请于 2027-04-01（含当日）前填报2026年9月2日至2027年3月1日的综合运营情况和统计数据" in html


def test_a_calendar_half_year_is_named_as_such(login, world):
    clock.freeze(datetime(2027, 1, 1, 9, 0, tzinfo=CHINA))  # recognised on the first day of 2027
    make_recognised_space(world)
    operator = login("applicant_a")
    move_clock_to(datetime(2027, 7, 1, 9, 0, tzinfo=CHINA))
    html = page(operator, f"/tasks/{inbox_task(operator, HALF_YEAR)}")
    assert "请于 2027-07-31（含当日）前填报2027年上半年（1月1日至6月30日）的综合运营情况和统计数据" in html
    # unreported, it is recorded missing when the next period has ended, and that one is named in turn
    move_clock_to(datetime(2028, 1, 1, 9, 0, tzinfo=CHINA))
    html = page(operator, f"/tasks/{inbox_task(operator, HALF_YEAR)}")
    assert "前填报2027年下半年（7月1日至12月31日）的综合运营情况和统计数据" in html
