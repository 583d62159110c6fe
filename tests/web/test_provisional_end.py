"""（暂定） beside a notice's last day says the holiday calendar of that year was not known when the day was
worked out, so it may still move. It said so for ever (found walking the demo): after the notice had ended, and
after the Torch Center had entered that year's calendar. It is shown only while the notice runs and a year its
days fall in is still unknown — on the space's page, the staff's list of notices and the public portal. Entering
the year's calendar counts the running notice again (webapp/notices/holidays.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.clock import CHINA, clock
from webapp.engine.sandbox import last_day
from webapp.extensions import db
from webapp.models import MakerSpace, Notification, PublicNotice, User
from webapp.workdays import add_working_days

# The holiday package knows 2026 and no later year: a notice from the last Monday of 2026 runs into 2027.
LATE_DECEMBER = datetime(2026, 12, 28, 9, 0, tzinfo=CHINA)
MARK = "暂定"


@pytest.fixture
def result_notice(space_id) -> PublicNotice:
    """An evaluation result noticed for five working days from 2026-12-28, as publish_evaluation_result does."""
    clock.freeze(LATE_DECEMBER)
    ends_at, provisional = add_working_days(clock.now(), 5)
    assert provisional and last_day(ends_at.isoformat()) == "2027-01-04"  # 2027-01-01 counted as a weekday
    space = db.session.get(MakerSpace, space_id)
    notice = PublicNotice(subject_type="space", subject_id=space.id, starts_at=clock.now(), ends_at=ends_at,
                          provisional_end=provisional, title=f"众创空间绩效考核结果公示：{space.name} — 良好",
                          body="运营机构：青城创客科技有限公司；考核得分：80.00", grade="good", score=80)
    db.session.add(notice)
    db.session.commit()
    return notice


def pages(login, notice: PublicNotice, last: str = "2027-01-04") -> dict[str, str]:
    """The notice's last day as each reader sees it: the space's page, the staff's list, the portal."""
    found = {
        "space": login("torch1").get(f"/spaces/{notice.subject_id}").get_data(as_text=True),
        "staff": login("supervisor").get("/notices").get_data(as_text=True),
        "portal": login(None).get(f"/public/notices/{notice.id}").get_data(as_text=True),
    }
    for where, html in found.items():
        assert last in html, where
    return found


def test_a_running_notice_into_a_year_of_unknown_holidays_is_marked_provisional(login, result_notice):
    for where, html in pages(login, result_notice).items():
        assert MARK in html, where


def test_the_mark_goes_once_the_notice_has_ended(login, result_notice):
    clock.freeze(result_notice.ends_at + timedelta(minutes=1))
    for where, html in pages(login, result_notice).items():
        assert MARK not in html, where


def test_entering_the_calendar_moves_the_day_and_clears_the_mark(login, result_notice):
    """A review of the change: once 元旦 2027 was entered, the mark went while the end (set at publication, weekends
    only) stayed a working day short — the notice looked final and was not. Entering the holidays counts the
    running notice again: it now ends a working day later, without the mark, and the staff member is told."""
    torch = login("torch1")
    response = torch.post("/admin/holidays", {"day": "2027-01-01", "is_workday": "no", "name": "元旦"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = torch.get(response.headers["Location"]).get_data(as_text=True)
    assert "其中 1 项公示的截止日已调整" in page, page[:3000]
    for where, html in pages(login, result_notice, "2027-01-05").items():
        assert MARK not in html, where
    # the operator and its recommending unit, told 2027-01-04（暂定） when the result was published, are told again
    told = db.session.execute(select(User.role, Notification.text).join(User, Notification.user_id == User.id).where(
        Notification.text.contains("公示期截止日调整为 2027-01-05（含当日），原为 2027-01-04"))).all()
    assert {role for role, _ in told} == {"applicant", "recommender"}, told


def test_a_day_outside_every_running_notice_says_nothing_moved(login, result_notice):
    torch = login("torch1")
    response = torch.post("/admin/holidays", {"day": "2027-02-11", "is_workday": "no", "name": "春节"})
    page = torch.get(response.headers["Location"]).get_data(as_text=True)
    assert "截止日均无变化" in page, page[:3000]
    for where, html in pages(login, result_notice).items():  # the year is known now: the day is final
        assert MARK not in html, where


def test_a_withdrawn_notice_is_not_marked(login, result_notice):
    result_notice.withdrawn_at = clock.now()
    db.session.commit()
    for where, html in pages(login, result_notice).items():
        assert MARK not in html, where



def test_a_case_changed_at_the_same_moment_saves_nothing_and_says_so(login, result_notice, monkeypatch):
    """Entering a day may move cases; when one of them was saved meanwhile (a step, the sweeper), the day is not
    saved either, and the page says so and keeps what was typed."""
    from sqlalchemy.orm.exc import StaleDataError

    from webapp.admin import routes
    from webapp.models import Holiday

    def changed_meanwhile(*args, **kwargs):
        db.session.add(Holiday(day=datetime(2027, 1, 1).date(), is_workday=False, name="元旦"))
        db.session.flush()
        raise StaleDataError("process_instance changed")

    monkeypatch.setattr(routes, "enter_day", changed_meanwhile)
    response = login("torch1").post("/admin/holidays", {"day": "2027-01-01", "is_workday": "no", "name": "元旦"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "本次录入未保存" in html and 'value="元旦"' in html
    assert db.session.scalars(select(Holiday)).all() == []
