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


def test_two_forms_posted_at_the_same_instant_start_one_filing(file_app, monkeypatch):
    """Two tabs, each with its own one-time token, post at the same instant: both pass the check for a filing
    under way before either has started one. The database keeps one running filing per space (a partial unique
    index): the second start is refused there, and its person is sent to the filing the first started, told so
    as a second click is, never shown an error page."""
    import threading

    from webapp.simulation import recognised_space_now

    from .conftest import Browser
    from .test_probe_findings_low import _two_applicants
    from .test_probe_findings_walk import _form_on_space_page

    _two_applicants(file_app)  # organisation A with applicants a1 and a2
    with file_app.app_context():
        from webapp.models import Organisation

        organisation = db.session.scalar(select(Organisation))
        space_id = recognised_space_now("青城创客空间", organisation.id, organisation.unit_id).id
        db.session.commit()
        action = f"/spaces/{space_id}/changes"
        tabs = [Browser(file_app, "a1"), Browser(file_app, "a2")]  # two colleagues, or two tabs: two tokens
        forms = [_form_on_space_page(tab, space_id, action) for tab in tabs]
        assert forms[0]["start_token"] != forms[1]["start_token"]

    from webapp.registry import changes

    original, barrier, met = changes.running_filing, threading.Barrier(2, timeout=30), threading.local()

    def meeting(space):  # both have read "no filing under way" before either starts one
        found = original(space)
        if not getattr(met, "done", False):
            met.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(changes, "running_filing", meeting)
    answers: dict[int, tuple[int, str]] = {}

    def post(index: int) -> None:
        with file_app.app_context():
            response = tabs[index].client.post(action, data=forms[index])
            answers[index] = (response.status_code, response.headers.get("Location", ""))

    threads = [threading.Thread(target=post, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(changes, "running_filing", original)

    assert [answers[i][0] for i in (0, 1)] == [302, 302], answers
    assert answers[0][1] == answers[1][1] and re.search(r"/tasks/\d+$", answers[0][1])  # both at the one filing
    with file_app.app_context():
        assert filings(space_id) == 1
        said = [flashed(page(tab, answers[i][1])) for i, tab in enumerate(tabs)]
    assert sum("已有一份尚未提交的变更报备" in text for text in said) == 1, said  # the one that lost the race
