"""The database restarts, stops, freezes, or loses a reply (issue 9, item 5).

- A pooled connection the database dropped is replaced before use (pre-ping).
- With the database down, every page answers with the app's own Chinese error page within the timeout —
  static files and pages that need no database still load — and the first request after the restart
  succeeds. On PostgreSQL (`scripts/with-postgres`) the server really is stopped and started
  (MAKERSPACE_TEST_PG_CTL, MAKERSPACE_TEST_PG_DATA); otherwise connections are refused by a hook.
- A lock held elsewhere ends in the statement/lock timeout and the same error page, not a hung request.
- A completion whose COMMIT got no reply is reported as it really ended: saved or not saved.
- A session that fails to close after a finished response leaves that response alone (no 500).

Each test runs on an SQLite file (several real connections, unlike in-memory SQLite) or on PostgreSQL.
"""

from __future__ import annotations

import contextvars
import os
import re
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tests.conftest import START, fresh_database, make_app
from webapp.clock import clock
from webapp.database import engine_options
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask

from .conftest import Browser
from .flow import open_task, start_application, submit_application

PG_URL = os.environ.get("MAKERSPACE_TEST_DATABASE_URL", "")
PG_CTL = os.environ.get("MAKERSPACE_TEST_PG_CTL", "")
PG_DATA = os.environ.get("MAKERSPACE_TEST_PG_DATA", "")
CONNECT_TIMEOUT = 2  # seconds (libpq's least)
STATEMENT_TIMEOUT_MS = 1500
LOCK_TIMEOUT_MS = 1000
DOWN_PAGE = "系统暂时无法连接数据库"  # the 503 page's message
DECISION = {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""}


@pytest.fixture
def app(tmp_path):
    """The web tests' app (conftest), on PostgreSQL or an SQLite file, with short timeouts and the error
    handlers on (TESTING would otherwise hand exceptions to the test instead of the 500 page)."""
    url = PG_URL or f"sqlite:///{tmp_path / 'faults.db'}"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url, PROPAGATE_EXCEPTIONS=False,
                   DB_CONNECT_TIMEOUT=CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT_MS=STATEMENT_TIMEOUT_MS,
                   DB_LOCK_TIMEOUT_MS=LOCK_TIMEOUT_MS)
    with app.app_context():
        fresh_database()
        deploy(read_directory(app.config["BPMN_DIR"]), note="tests")
        db.session.commit()
        clock.freeze(START)
        try:
            yield app
        finally:
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
            clock.reset()


def submitted_application(login) -> int:
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    return application_id


def timed(call):
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def pg_ctl(*args: str) -> None:
    subprocess.run([PG_CTL, "-D", PG_DATA, *args], check=True, stdout=subprocess.DEVNULL, timeout=60)


@contextmanager
def database_down():
    """The database goes away for the block: the throwaway PostgreSQL server is stopped (and started again
    after), or — without one — every new connection is refused and the pooled ones are closed."""
    if PG_URL and PG_CTL and PG_DATA:
        pg_ctl("-m", "fast", "-w", "stop")
        try:
            yield
        finally:
            pg_ctl("-l", str(Path(PG_DATA) / "restart.log"), "-w", "start")
        return
    dbapi = db.engine.dialect.loaded_dbapi

    def refuse(*_args, **_kwargs):
        raise dbapi.OperationalError("connection refused (the test stopped the database)")

    event.listen(db.engine, "do_connect", refuse)
    db.engine.dispose()
    try:
        yield
    finally:
        event.remove(db.engine, "do_connect", refuse)


HEADINGS = {503: "暂时无法使用", 404: "页面不存在"}
# As every error page (tests/web/test_i18n_guard.py): what happened in words, then the message, the code beneath.
ERROR_PAGE = re.compile(r'<div class="card"><h1>(.*?)</h1><p>(.*?)</p>.*?<p class="muted">错误代码：(\d+)</p>', re.S)


def assert_error_page(response, took: float, code: int = 503, says: str = DOWN_PAGE) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == code, html[:2000]
    assert says in html and "Internal Server Error" not in html and "Traceback" not in html, html[:2000]
    assert took < CONNECT_TIMEOUT + 2, took  # answered, not hung
    shown = ERROR_PAGE.search(html)  # headed by words, not the bare code (the minimal page said <h1>503</h1>)
    assert shown and (shown.group(1), shown.group(3)) == (HEADINGS[code], str(code)), html[:2000]
    assert f"<title>{HEADINGS[code]} · " in html
    return html


# ---- settings --------------------------------------------------------------------------------------------

def test_the_timeouts_are_in_force_on_the_connection(app):
    if db.engine.dialect.name == "postgresql":
        assert db.session.scalar(text("SHOW statement_timeout")) == "1500ms"
        assert db.session.scalar(text("SHOW lock_timeout")) == "1s"
    else:
        assert db.session.scalar(text("PRAGMA busy_timeout")) == LOCK_TIMEOUT_MS
    assert db.engine.pool._pre_ping


def test_engine_options_merge_into_what_the_configuration_gives():
    config = {"DB_CONNECT_TIMEOUT": 7, "DB_STATEMENT_TIMEOUT_MS": 20000, "DB_LOCK_TIMEOUT_MS": 4000,
              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 3, "connect_args": {"application_name": "web"}}}
    pg = engine_options("postgresql+psycopg://u@h/db?options=-c%20work_mem%3D64MB", config)
    assert pg["pool_size"] == 3 and pg["pool_pre_ping"] is True
    assert pg["connect_args"] == {"application_name": "web", "connect_timeout": 7, "options":
                                  "-c statement_timeout=20000 -c lock_timeout=4000 -c work_mem=64MB"}
    lite = engine_options("sqlite:////tmp/x.db", {**config, "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}}})
    assert lite == {"pool_pre_ping": True, "hide_parameters": True, "connect_args": {"timeout": 30}}  # explicit wins
    assert engine_options("mysql+pymysql://u@h/db", config)["pool_pre_ping"] is True  # no dialect assumed


# ---- a restart, a stop, a lock ---------------------------------------------------------------------------

def test_a_connection_the_database_dropped_is_replaced_before_use(login, world):
    torch = login("torch1")
    assert torch.get("/").status_code == 200
    if db.engine.dialect.name == "postgresql":  # the server ends every other session, as a restart does
        with create_engine(db.engine.url, poolclass=NullPool).connect() as other:  # not one of the pool's
            ended = other.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert ended >= 1
    else:  # the pooled SQLite connections are closed underneath the pool
        pooled = []
        db.engine.dispose()
        event.listen(db.engine, "connect", lambda dbapi_connection, _record: pooled.append(dbapi_connection))
        assert torch.get("/").status_code == 200
        for connection in pooled:
            connection.close()
    response = torch.get("/")
    assert response.status_code == 200 and "我的待办" in response.get_data(as_text=True)


def test_with_the_database_down_every_page_answers_in_chinese_and_the_first_request_after_succeeds(login, world, app):
    application_id = submitted_application(login)
    instance_id = db.session.get(Application, application_id).instance_id
    task_id = open_task(application_id, "recommender_review").id
    torch, recommender, visitor = login("torch1"), login("recommender_a"), login(None)
    assert torch.get(f"/instances/{instance_id}").status_code == 200
    login_token = visitor.token("/login")
    task_token = recommender.token(f"/tasks/{task_id}")
    # Demo mode (outside tests) reads the demo clock's offset from the database on every request.
    app.config.update(DEMO_MODE=True, TESTING=False)
    db.session.rollback()  # the test's own session lets go of its connection, as a finished request does

    with database_down():
        for browser, url in [(torch, "/"), (torch, f"/instances/{instance_id}"), (visitor, "/public/notices"),
                             (visitor, "/public/spaces"), (recommender, f"/tasks/{task_id}")]:
            assert_error_page(*timed(lambda: browser.get(url)))  # noqa: B023
        assert_error_page(*timed(lambda: visitor.post("/login", {"username": "torch1", "password": "pw-123456",
                                                                 "csrf_token": login_token}, csrf=False)))
        assert_error_page(*timed(lambda: recommender.post(f"/tasks/{task_id}", {**DECISION, "csrf_token": task_token},
                                                          csrf=False)))
        assert_error_page(*timed(lambda: torch.get("/no-such-page")), code=404, says="未找到")
        # the page drawn without the database (no signed-in person, no menu), in English when chosen
        minimal, _took = timed(lambda: torch.get("/"))
        assert "<nav>" not in minimal.get_data(as_text=True)
        english = Browser(app, None).get("/public/notices?lang=en").get_data(as_text=True)
        assert "<h1>Temporarily unavailable</h1>" in english and "Error code: 503" in english
        # what needs no database still works: the stylesheet (signed in), the log-in form
        css, took = timed(lambda: torch.get("/static/app.css"))
        assert css.status_code == 200 and took < 2
        form, took = timed(lambda: visitor.get("/login"))
        assert form.status_code == 200 and "登录" in form.get_data(as_text=True) and took < 2

    # Out of demo mode: its clock read would be the request's first query, and its failure would leave the
    # page a fresh connection.
    app.config.update(DEMO_MODE=False, TESTING=True)
    first = torch.get("/")  # the first request after the restart
    assert first.status_code == 200 and "我的待办" in first.get_data(as_text=True)
    assert torch.get(f"/instances/{instance_id}").status_code == 200
    with database_down():  # a quick restart no request saw: every pooled connection is dead, none was tried
        pass
    first = torch.get(f"/instances/{instance_id}")
    assert first.status_code == 200, first.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).status == "open"  # the refused completion changed nothing


def test_a_lock_held_elsewhere_ends_in_the_timeout_and_the_error_page(login, world):
    torch = login("torch1")
    assert torch.get("/").status_code == 200
    db.session.rollback()  # the test's own session holds no lock
    if db.engine.dialect.name == "postgresql":
        holder = db.engine.connect()
        holder.execute(text("SET lock_timeout = 0"))
        holder.execute(text("LOCK TABLE human_task IN ACCESS EXCLUSIVE MODE"))  # the inbox reads human_task
    else:
        holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock: in WAL mode readers go on, writers wait
    try:
        if db.engine.dialect.name == "postgresql":
            response, took = timed(lambda: torch.get("/"))
        else:
            assert torch.get("/").status_code == 200  # reading is not held up by another's write
            response, took = timed(lambda: torch.post("/notifications/read", {"upto": "1"}, from_page="/"))
    finally:
        holder.rollback()
        holder.close()
    assert_error_page(response, took)
    assert took >= LOCK_TIMEOUT_MS / 1000 * 0.9  # it waited for the lock, boundedly
    assert torch.get("/").status_code == 200


# ---- a COMMIT without a reply; a session that fails to close -------------------------------------------------

@contextmanager
def commit_without_reply(monkeypatch, *, stored: bool):
    """The next COMMIT reaches the database (or not, with stored=False), then the connection breaks before
    its reply arrives: the driver raises an OperationalError either way."""
    original = Session.commit
    armed = [True]

    def commit(self):
        if not armed[0]:
            return original(self)
        armed[0] = False
        if stored:
            original(self)
        else:
            self.rollback()
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", commit)
    yield armed


def completions_of(task: HumanTask) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.instance_id == task.instance_id, AuditEvent.task_spec == task.task_spec,
        AuditEvent.action == "completed"))


def test_a_commit_whose_reply_was_lost_but_was_stored_is_reported_saved(login, world, monkeypatch):
    task = open_task(submitted_application(login), "recommender_review")
    recommender = login("recommender_a")
    token = recommender.token(f"/tasks/{task.id}")
    with commit_without_reply(monkeypatch, stored=True) as armed:
        response = recommender.post(f"/tasks/{task.id}", {**DECISION, "csrf_token": token}, csrf=False)
    assert not armed[0] and response.status_code == 302
    page = recommender.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "已保存" in html and "请勿重复提交" in html and "未保存" not in html, html
    assert "已提交" in html  # and where the case went, as after any completion
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "completed"
    assert completions_of(task) == 1
    assert open_task(task.instance.subject_id, "material_review")


def test_a_commit_that_failed_is_reported_not_saved(login, world, monkeypatch):
    task = open_task(submitted_application(login), "recommender_review")
    recommender = login("recommender_a")
    token = recommender.token(f"/tasks/{task.id}")
    with commit_without_reply(monkeypatch, stored=False) as armed:
        response = recommender.post(f"/tasks/{task.id}", {**DECISION, "csrf_token": token}, csrf=False)
    assert not armed[0] and response.status_code == 302
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")  # back to the form, to try again
    html = recommender.get(response.headers["Location"]).get_data(as_text=True)
    assert "经核实未保存，请重试" in html and "已保存" not in html, html
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "open" and completions_of(task) == 0
    # and trying again works
    again = recommender.post(f"/tasks/{task.id}", DECISION)
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "completed" and completions_of(task) == 1


def test_a_session_that_fails_to_close_after_the_response_is_no_500(login, world, monkeypatch):
    task = open_task(submitted_application(login), "recommender_review")
    recommender = login("recommender_a")
    token = recommender.token(f"/tasks/{task.id}")
    original = Session.close
    armed = [True]

    def close(self):
        if armed[0]:
            armed[0] = False
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))
        return original(self)

    monkeypatch.setattr(Session, "close", close)
    # A context of its own, as a real server's request has: its app context, and so its database session,
    # ends with the request (the test's own app context would otherwise outlive it).
    response = contextvars.Context().run(
        recommender.client.post, f"/tasks/{task.id}", data={**DECISION, "csrf_token": token},
        content_type="multipart/form-data")
    assert not armed[0]  # the session's close did fail, after the response was made
    assert response.status_code == 302 and "/tasks/" not in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "completed" and completions_of(task) == 1
    assert recommender.get("/").status_code == 200  # the next request gets a working connection


def test_a_failing_statement_does_not_put_its_values_in_the_error_or_the_log(app, world):
    """ASVS 7.1.2: the error a failing INSERT raises (and so the logged traceback) names the statement, not the
    values — here a would-be password hash that breaks the unique username."""
    from sqlalchemy.exc import IntegrityError

    from webapp.models import User

    secret = "argon2-secret-value-0123456789"
    taken = db.session.scalars(select(User.username)).first()
    db.session.add(User(username=taken, display_name="重复", role="expert", password_hash=secret))
    with pytest.raises(IntegrityError) as caught:
        db.session.flush()
    db.session.rollback()
    assert secret not in str(caught.value) and "hidden" in str(caught.value)
