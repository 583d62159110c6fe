"""A notice running into a year whose holidays were not yet known ends on a day counted with weekends only
(（暂定）). When the Torch Center then enters that year's holidays, the notice is counted again: its row, the
case's notice-end variable and the waiting timer all move to the new end, and the case's history says so —
the notice no longer ends a working day short."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import AuditEvent, PublicNotice, User
from webapp.notices.holidays import enter_day

from .test_recognition_scenarios import review_panel, start, submit_and_recommend

# The holiday package knows 2026 and no later year. Five working days from Monday 2026-12-28: 12-29, 12-30,
# 12-31, then Friday 2027-01-01 (unknown: counted as a weekday) and Monday 01-04 — it ends at 01-05 00:00.
LAST_MONDAY_OF_2026 = datetime(2026, 12, 28, 9, 0, tzinfo=CHINA)
OLD_END = datetime(2027, 1, 5, 0, 0, tzinfo=CHINA)
NEW_END = datetime(2027, 1, 6, 0, 0, tzinfo=CHINA)  # 元旦 entered: 01-05 is the fifth working day


def staff() -> User:
    user = User(username="torch_center_1", display_name="火炬中心 王审核", role="torch_center", password_hash="x")
    db.session.add(user)
    db.session.commit()
    return user


def noticed_in_late_december(harness):
    clock.freeze(LAST_MONDAY_OF_2026)
    h = start(harness)
    submit_and_recommend(h)
    review_panel(h, harness.expert_ids[:3])
    h.complete("shortlist_decision", shortlist_decision="shortlist", shortlist_comments="拟入选")
    notice = db.session.scalars(select(PublicNotice)).one()
    assert (notice.ends_at, notice.provisional_end) == (OLD_END, True)
    assert h.data["notice_end"] == OLD_END.isoformat()
    assert h.instance.next_timer_at == OLD_END
    return h, notice


def test_a_holiday_entered_in_the_window_ends_the_notice_a_working_day_later(harness):
    h, notice = noticed_in_late_december(harness)
    user = staff()

    moved = enter_day(date(2027, 1, 1), is_workday=False, name="元旦", actor=user)
    db.session.commit()

    assert moved == 1
    db.session.expire_all()
    assert (notice.ends_at, notice.provisional_end) == (NEW_END, False)  # the year is known now: no （暂定）
    assert h.data["notice_end"] == NEW_END.isoformat()
    assert h.instance.next_timer_at == NEW_END
    assert h.instance.current_step == "公示中（至 2027-01-05）"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == h.instance_id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == user.id
    assert "公示期截止日调整为 2027-01-05（含当日）" in event.title, event.title

    # The old end passes: the notice still runs, nobody is recognised yet.
    h.advance_to((OLD_END + timedelta(hours=12)).isoformat())
    assert not h.done and h.ready() == []
    assert h.data.get("outcome") is None
    # The new end passes: the case goes on as at any notice's end.
    h.advance_to((NEW_END + timedelta(hours=1)).isoformat())
    assert h.done and h.outcome == "recognised"


def test_a_holiday_outside_the_window_clears_the_mark_and_moves_nothing(harness):
    h, notice = noticed_in_late_december(harness)

    moved = enter_day(date(2027, 2, 11), is_workday=False, name="春节", actor=staff())
    db.session.commit()

    assert moved == 0
    db.session.expire_all()
    assert (notice.ends_at, notice.provisional_end) == (OLD_END, False)
    assert h.data["notice_end"] == OLD_END.isoformat()
    assert h.instance.next_timer_at == OLD_END


def test_a_make_up_working_day_in_the_window_ends_the_notice_earlier(harness):
    h, notice = noticed_in_late_december(harness)

    # Saturday 2027-01-02 a working day (and 2027 known, 01-01 a plain Friday): the fifth working day is 01-02.
    enter_day(date(2027, 1, 2), is_workday=True, name="调休上班", actor=staff())
    db.session.commit()

    db.session.expire_all()
    earlier = datetime(2027, 1, 3, 0, 0, tzinfo=CHINA)
    assert notice.ends_at == earlier and h.instance.next_timer_at == earlier
    h.advance_to((earlier + timedelta(hours=1)).isoformat())
    assert h.done and h.outcome == "recognised"


def test_an_ended_notice_is_not_counted_again(harness):
    h, notice = noticed_in_late_december(harness)
    h.advance_to((OLD_END + timedelta(hours=1)).isoformat())
    assert h.done

    assert enter_day(date(2027, 1, 1), is_workday=False, name="元旦", actor=staff()) == 0
    db.session.commit()
    db.session.expire_all()
    assert notice.ends_at == OLD_END


def test_a_notice_held_up_by_an_objection_resumes_with_the_new_end(harness):
    """While an objection is investigated no timer waits; the notice's end is still moved, and the notice, resumed
    after the objection is dismissed, waits for the new end (the timer reads the case's notice-end variable)."""
    h, notice = noticed_in_late_december(harness)
    h.send("objection", {"objector": "李四", "reasons": "运营时间不足一年"})
    assert h.ready() == ["investigate_objection"] and h.instance.next_timer_at is None

    assert enter_day(date(2027, 1, 1), is_workday=False, name="元旦", actor=staff()) == 1
    db.session.commit()

    h.complete("investigate_objection", objection_findings="营业执照显示运营已满两年")
    h.complete("decide_objection", objection_upheld=False, objection_answer="异议不成立")
    assert not h.done and h.instance.next_timer_at == NEW_END
    h.advance_to((OLD_END + timedelta(hours=12)).isoformat())
    assert not h.done
    h.advance_to((NEW_END + timedelta(hours=1)).isoformat())
    assert h.done and h.outcome == "recognised"


def test_an_evaluation_result_notice_into_an_unknown_year_moves_with_its_award(harness):
    """The evaluation's result notice waits at an event-based gateway (its timer or an objection): the gateway's
    moment moves too, and the award comes at the new end, not the old one. The first evaluation falls in 2029."""
    from .test_lifecycle_scenarios import expert_score
    from .test_regulation_in_full import _evaluation_case, scored_evaluation

    h = scored_evaluation(harness, lambda e: expert_score(e, 90))
    h.complete("confirm_grade")
    notice = db.session.scalars(select(PublicNotice).where(PublicNotice.subject_type == "space")).one()
    assert notice.provisional_end
    old_end = notice.ends_at
    case = _evaluation_case(h)
    assert case.instance.next_timer_at == old_end
    # A holiday on the notice's first working day: it ends a working day later.
    first = notice.starts_at.astimezone(CHINA).date() + timedelta(days=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)

    assert enter_day(first, is_workday=False, name="节假日", actor=staff()) == 1
    db.session.commit()

    db.session.expire_all()
    new_end = notice.ends_at
    assert new_end > old_end and not notice.provisional_end
    assert case.instance.next_timer_at == new_end
    assert case.data["result_notice_end"] == new_end.astimezone(CHINA).isoformat()
    h.advance(seconds=(old_end - clock.now()).total_seconds() + 3600)
    assert h.awards == []
    h.advance(seconds=(new_end - clock.now()).total_seconds() + 3600)
    assert h.awards == [("evaluation", 400000)]
