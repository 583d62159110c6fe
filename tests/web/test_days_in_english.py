"""Deadlines in English say "1 day", not "1 days" (labels.due_label used ngettext for neither); Chinese reads
as before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Application, HumanTask

from .flow import start_application


def _due_in(application_id: int, delta: timedelta) -> None:
    instance_id = db.session.get(Application, application_id).instance_id
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open"))
    task.due_at = clock.now() + delta
    db.session.commit()


def test_one_day_left_and_one_day_overdue_read_in_the_singular_in_english(app, login, world):
    browser = login("applicant_a")
    application_id = start_application(browser, "一天之差")
    _due_in(application_id, timedelta(days=1))
    english = browser.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "（1 day left）" in english and "1 days" not in english
    _due_in(application_id, timedelta(days=-1))
    english = browser.get("/").get_data(as_text=True)
    assert "（overdue by 1 day）" in english and "1 days" not in english
    _due_in(application_id, timedelta(days=-3))
    assert "（overdue by 3 days）" in browser.get("/").get_data(as_text=True)
    _due_in(application_id, timedelta(days=2))
    assert "（2 days left）" in browser.get("/").get_data(as_text=True)
    # Chinese is unchanged
    _due_in(application_id, timedelta(days=1))
    assert "还剩 1 天" in browser.get("/?lang=zh").get_data(as_text=True)
    _due_in(application_id, timedelta(days=-1))
    assert "已逾期 1 天" in browser.get("/").get_data(as_text=True)
