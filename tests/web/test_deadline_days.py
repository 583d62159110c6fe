"""A deadline people are told as a day (截止某日（含当日）) holds for that whole day. A walk of the demo: an
application returned at 01:44 was told 请在 2026-12-25（含当日）前修改后重新提交, and lapsed at 01:44 on the 25th —
the deadline kept the hour the step opened. Deadlines given in days now end with their last day (day_end)."""

from __future__ import annotations

from datetime import datetime, timedelta

from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import Application

from .flow import complete, move_clock, open_task, start_application, submit_application


def test_a_returned_application_may_be_handed_in_until_the_end_of_its_last_day(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    # A return in the small hours, as in the walk, a week before the round closes: the applicant has 15 days
    # (earlier in the round a return leaves the round's close, the later of the two).
    clock.freeze(datetime(2026, 12, 24, 1, 44, tzinfo=CHINA))
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "补充租赁合同"})
    task = open_task(application_id, "submit_application")
    page = login("applicant_a").get(f"/tasks/{task.id}").get_data(as_text=True)
    returned_on = clock.now().astimezone(CHINA).date()
    last = returned_on + timedelta(days=15)
    assert f"请在 {last.isoformat()}（含当日）前修改后重新提交" in page
    # late on that last day the application is still open ...
    late_evening = datetime(last.year, last.month, last.day, 23, 30, tzinfo=CHINA)
    move_clock((late_evening - clock.now()).total_seconds() / 86400)
    assert db.session.get(Application, application_id).status != "lapsed"
    assert open_task(application_id, "submit_application").status == "open"
    # ... and lapses once the day is over
    move_clock(1 / 24)
    assert db.session.get(Application, application_id).status == "lapsed"
