"""Helpers of the tests of the applicant's view of its own application (test_applicant_*.py)."""

from __future__ import annotations

import re

from .flow import complete, open_task, start_application, submit_application

RETURN_REASON = "请补充创业导师聘书"


def returned_by_recommender(login, reason: str = RETURN_REASON) -> int:
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommender_comments": reason, "recommendation_letter": ""})
    return application_id


def list_row(browser, application_id: int) -> str:
    """The row of the application in the list of applications."""
    html = browser.get("/applications").get_data(as_text=True)
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if f'/applications/{application_id}"' in row]
    assert len(rows) == 1, html
    return rows[0]


def page_status(html: str) -> str:
    return re.search(r'<h1>.*?<span class="status">(.*?)</span>', html, re.S).group(1)


def section(html: str, element_id: str) -> str:
    """The element with this id, up to the next heading (enough for the boxes and lists tested here)."""
    start = html.index(f'id="{element_id}"')
    end = html.find("<h2", start)
    return html[start:end if end != -1 else None]
