"""An ordinary task completion costs a bounded number of SQL statements (issue 10: ≤ 12 for a task POST).

Counting is stable where time is not: a statement added to every completion — a lazy load in a loop, a row
written twice — shows here at once."""

from contextlib import contextmanager

from sqlalchemy import event

from webapp.extensions import db

from .flow import open_task, start_application, submit_application

LIMIT = 12


@contextmanager
def counted():
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _writes(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE " + table.upper())]


def test_a_recommender_completing_a_review_costs_at_most_twelve_statements(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    recommender = login("recommender_a")
    form = {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""}
    url = f"/tasks/{task.id}"
    token = recommender.token(url)
    with counted() as statements:
        response = recommender.post(url, {**form, "csrf_token": token}, csrf=False)
    assert response.status_code == 302
    assert open_task(application_id, "material_review")  # it did complete
    assert len(statements) <= LIMIT, "\n".join(statements)
    assert len(_writes(statements, "process_instance")) == 1, "\n".join(statements)  # the case row, once
    # The application is read only by a form or a completion that needs it: this one needs neither.
    assert not [s for s in statements if s.lstrip().startswith("SELECT application.")], "\n".join(statements)


def test_a_completion_reads_the_case_once_and_nothing_after_its_commit(login, world, monkeypatch):
    """The form's context and the completion share one deserialised workflow; the page that follows is
    worked out before the commit, so the commit is the request's last word with the database."""
    from webapp.engine import state

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = open_task(application_id, "recommender_review")
    recommender = login("recommender_a")
    url = f"/tasks/{task.id}"
    token = recommender.token(url)
    restored = []
    original = state.restore
    monkeypatch.setattr(state, "restore", lambda *a, **k: restored.append(1) or original(*a, **k))
    after_commit: list[str] = []
    committed = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if committed:
            after_commit.append(statement)

    def commit(conn):
        committed.append(1)

    event.listen(db.engine, "before_cursor_execute", note)
    event.listen(db.engine, "commit", commit)
    try:
        response = recommender.post(url, {"recommender_decision": "recommend", "recommendation_letter": "同意",
                                          "recommender_comments": "", "csrf_token": token}, csrf=False)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
        event.remove(db.engine, "commit", commit)
    assert response.status_code == 302 and committed
    assert len(restored) == 1
    assert after_commit == []


def test_a_task_page_reads_the_case_once(login, world, monkeypatch):
    """The form, its instructions and the office verbs (退回 targets) all come from one deserialisation."""
    from webapp.engine import state

    from .flow import complete

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""})
    task = open_task(application_id, "material_review")
    url = f"/tasks/{task.id}"
    restored = []
    original = state.restore
    monkeypatch.setattr(state, "restore", lambda *a, **k: restored.append(1) or original(*a, **k))
    page = login("torch1").get(url).get_data(as_text=True)
    assert 'id="office-verbs"' in page  # the 退回 choices were worked out
    assert len(restored) == 1


def test_the_inbox_lists_every_step_one_may_withdraw_in_the_same_statements_for_one_or_three(login, world):
    """"Submitted by you, not yet taken up": each listed step is checked against the audit trail and the open
    rows, and shown with its case — for all of them together, not per step (which cost four per step)."""
    def inbox_of_applicant() -> tuple[int, str]:
        applicant = login("applicant_a")
        with counted() as statements:
            html = applicant.get("/").get_data(as_text=True)
        return len(statements), html

    first = start_application(login("applicant_a"))
    submit_application(login, first)
    one, html = inbox_of_applicant()
    assert html.count("/withdraw") == 1
    for _ in range(2):
        submit_application(login, start_application(login("applicant_a")))
    three, html = inbox_of_applicant()
    assert html.count("/withdraw") == 3  # every submission is still untouched, so each may be withdrawn
    assert three == one
