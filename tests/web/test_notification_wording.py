"""The notices webapp/notifications.py writes (a new step waits on someone; a step's deadline comes) read as
whole sentences: each ends with 。, and a case named with brackets of its own (青城创客空间（二期）) is not put in
a second pair of them (（…（二期）））. Built the way they are sent: through the routes and the reminder."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import HumanTask, Notification
from webapp.notifications import remind_task

from .flow import complete, open_task, start_application, submit_application

NESTED = re.compile(r"（[^（）]*（")  # a full-width bracket opened inside another


def _texts() -> list[str]:
    db.session.expire_all()
    return [n.text for n in db.session.scalars(select(Notification).order_by(Notification.id))]


def _check(texts: list[str]) -> None:
    assert texts
    for text in texts:
        assert text.endswith("。"), text
        assert not NESTED.search(text), text


def test_new_step_notices_end_their_sentence_and_do_not_nest_brackets(login, world):
    application_id = start_application(login("applicant_a"), "青城创客空间（二期）")
    submit_application(login, application_id, space_name="青城创客空间（二期）")
    told = _texts()
    assert any(t.startswith("新的待办：") and "青城创客空间（二期）" in t for t in told), told
    # a step opened with a reason (returned by the recommending unit) and a deadline
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "场地证明不清晰"})
    returned = [t for t in _texts() if "场地证明不清晰" in t]
    assert returned and "办理期限" in returned[-1]
    _check(_texts())


def test_reminders_end_their_sentence_and_do_not_nest_brackets(login, world):
    application_id = start_application(login("applicant_a"), "青城创客空间（二期）")
    submit_application(login, application_id, space_name="青城创客空间（二期）")
    row = open_task(application_id, "recommender_review")
    already = len(_texts())
    for due_in_days in (3, -1):  # still to come; passed (the sweeper was down)
        task = db.session.get(HumanTask, row.id)
        task.due_at = clock.now() + timedelta(days=due_in_days)
        task.remind_at = clock.now()
        db.session.commit()
        assert remind_task(row.id, clock.now() + timedelta(seconds=1))
        db.session.commit()
    reminders = _texts()[already:]
    assert len(reminders) == 2 and all(t.startswith("办理提醒：") and "青城创客空间（二期）" in t for t in reminders)
    _check(reminders)


def test_every_notice_ends_its_sentence_whoever_wrote_it(world):
    """Texts the service tasks hand to notify() (a change of status with its reason in brackets, a change of
    operator on record) ended without 。; a text that ends itself gets no second mark."""
    from webapp.notifications import notify

    user = world["users"]["applicant_a"]
    for text in ("「青城创客空间」状态变更：整改中（考核不合格）", "「青城创客空间」运营机构变更为 新公司（已备案）",
                 "申报已撤回，无需再办理。", "您确定吗？"):
        notify(user, text, "/")
    db.session.commit()
    assert _texts() == ["「青城创客空间」状态变更：整改中（考核不合格）。", "「青城创客空间」运营机构变更为 新公司（已备案）。",
                        "申报已撤回，无需再办理。", "您确定吗？"]
