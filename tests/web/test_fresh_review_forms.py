"""A reviewer who sees a case again decides again, in an empty form (a walk of the demo: the recommending unit's
comment of its return, 租赁合同复印件不清晰…, stood in the comment box of its next review and went into the
record beside 同意推荐; the same with the Torch Center's material review and the change filing's forwarding)."""

from __future__ import annotations

import re

from .flow import complete, open_task, start_application, submit_application

RETURN = "租赁合同复印件不清晰，请补充完整的租赁合同"


def _textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, name
    return found.group(1).strip()


def test_the_recommender_s_second_review_opens_without_its_earlier_comment(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    unit = login("recommender_a")
    complete(unit, open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": RETURN})
    resubmit = open_task(application_id, "submit_application")
    applicant_page = login("applicant_a").get(f"/tasks/{resubmit.id}").get_data(as_text=True)
    assert 'value="青城创客空间"' in applicant_page  # the applicant's own form keeps what it typed
    submit_application(login, application_id)
    again = unit.get(f"/tasks/{open_task(application_id, 'recommender_review').id}").get_data(as_text=True)
    assert _textarea(again, "recommender_comments") == ""
    assert RETURN in again  # still to be read, in the case's history beside the form
