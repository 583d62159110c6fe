"""One change filing of a space at a time. An outside probe posted 报备重大事项变更 four times (two tabs, an old
page, no form token): four filing cases opened, four identical 提交变更报备 rows stood in the inbox, and
contradicting filings could reach the recommending unit and the Department. A second start now opens the filing
already started, or, while one is reviewed, says so and starts nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ProcessInstance

from .lifecycle import page, submit
from .test_change_filing_values import evidence, start_filing
from .test_change_filing_withdrawal import DIRECTION, flashed


def filings(space_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.process_id == "change_filing", ProcessInstance.subject_id == space_id))


def test_a_second_start_opens_the_filing_already_started(login, space_id):
    operator = login("applicant_a")
    first = start_filing(operator, space_id)
    again = start_filing(operator, space_id)  # another tab, or the old page's button
    assert again == first and filings(space_id) == 1
    assert "已有一份尚未提交的变更报备" in flashed(page(operator, f"/tasks/{first}"))


def test_no_new_filing_while_one_is_reviewed(login, space_id):
    operator = login("applicant_a")
    task_id = start_filing(operator, space_id)
    submit(operator, task_id, {**DIRECTION, **evidence()})
    dossier = f"/spaces/{space_id}"
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    assert response.status_code == 302 and re.search(rf"/spaces/{space_id}$", response.headers["Location"])
    assert "正在审核" in flashed(page(operator, response.headers["Location"])) and filings(space_id) == 1
