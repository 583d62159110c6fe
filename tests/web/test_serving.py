"""Serving in production (issue 9, item 1): the gunicorn command, the sweeper as a process of its own,
readiness, and request ids in the logs and headers.

The two acceptance tests start the real commands as subprocesses on an SQLite file prepared here (tables
and definitions, as `flask db upgrade` and `flask deploy` leave a production database) and stop them with
the signals a service manager sends."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text

from tests.conftest import make_app
from webapp.cli import setup_database
from webapp.clock import clock
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import AuditEvent, Organisation, ProcessInstance, Unit
from webapp.observability import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


# ---- helpers -------------------------------------------------------------------------------------------

def prepared_database(tmp_path: Path, due_lifecycles: int = 0) -> str:
    """An SQLite file holding the tables and the deployed definitions (what production has after `db
    upgrade` and `deploy`: the app's setup without demo data), optionally with lifecycles whose first timer
    is due in real time."""
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        setup_database(app, demo=False)
        if due_lifecycles:
            from webapp.simulation import recognised_space_now

            unit = Unit(code="hohhot", name="呼和浩特市科技局", kind="bureau")
            db.session.add(unit)
            db.session.flush()
            organisation = Organisation(name="青城创客科技有限公司", unit_id=unit.id)
            db.session.add(organisation)
            db.session.commit()
            clock.freeze(clock.now() - timedelta(days=200))  # recognised 200 days ago: six months have passed
            try:
                for n in range(due_lifecycles):
                    recognised_space_now(f"空间{n}", organisation.id, unit.id)
            finally:
                clock.reset()
        db.engine.dispose()
    return url


def production_env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERSPACE_")}
    env.update(MAKERSPACE_DATABASE_URL=url, MAKERSPACE_SECRET_KEY="serving-test-key",
               MAKERSPACE_UPLOAD_DIR=str(tmp_path / "uploads"), PYTHONUNBUFFERED="1", **extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def stop(process: subprocess.Popen, signum: int) -> tuple[int, float]:
    began = time.monotonic()
    process.send_signal(signum)
    code = process.wait(timeout=30)
    return code, time.monotonic() - began


# ---- (a) the production command -------------------------------------------------------------------------

def test_production_command_serves_with_several_workers_and_stops_cleanly(tmp_path):
    url = prepared_database(tmp_path)
    port = free_port()
    err = tmp_path / "serve.err"
    env = production_env(tmp_path, url, MAKERSPACE_BIND=f"127.0.0.1:{port}", MAKERSPACE_WORKERS="2")
    with open(err, "w") as stderr:
        server = subprocess.Popen([str(ROOT / "scripts" / "serve")], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:  # the workers import the app: a few seconds
            assert server.poll() is None, f"the server exited ({server.returncode}):\n{err.read_text()[-3000:]}"
            try:
                if get(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, err.read_text()[-3000:]
            time.sleep(0.3)

        status, headers, body = get(f"{base}/login", {"X-Request-ID": "lb-7f3a.42"})
        assert status == 200 and "登录" in body
        assert headers["X-Request-ID"] == "lb-7f3a.42"
        # the banner names no version and no Python (the probe's finding for the development server)
        assert "/" not in headers["Server"] and "python" not in headers["Server"].lower(), headers["Server"]
    finally:
        code, took = stop(server, signal.SIGTERM)
    logs = json_lines(err)
    assert code == 0 and took < 10, (code, took, err.read_text()[-3000:])
    assert sum("Booting worker" in line["message"] for line in logs) == 2  # several processes serve
    [request_line] = [line for line in logs if line.get("request_id") == "lb-7f3a.42" and line["logger"] == "webapp.request"]
    assert request_line["path"] == "/login" and request_line["status"] == 200 and request_line["method"] == "GET"
    # Starting seeded nothing: no demo accounts in the production database.
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM user_account").fetchone()[0] == 0


# ---- (b) the sweeper as a process of its own -----------------------------------------------------------------

def start_sweeper(tmp_path: Path, url: str) -> tuple[subprocess.Popen, Path]:
    err = tmp_path / "sweep.err"
    with open(err, "w") as stderr:
        process = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "webapp", "sweep", "--forever",
                                    "--interval", "0.5"], cwd=ROOT, env=production_env(tmp_path, url),
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    return process, err


def wait_for(condition, process: subprocess.Popen, err: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the sweeper exited ({process.returncode}):\n{err.read_text()[-3000:]}"
        assert time.monotonic() < deadline, err.read_text()[-3000:]
        time.sleep(0.2)


def test_sweeper_process_fires_due_timers_and_stops_on_sigterm(tmp_path):
    url = prepared_database(tmp_path, due_lifecycles=3)
    sweeper, err = start_sweeper(tmp_path, url)
    path = url.removeprefix("sqlite:///")

    def timer_events() -> int:
        with sqlite3.connect(path, timeout=30) as conn:
            return conn.execute("SELECT count(*) FROM audit_event WHERE action = 'timer'").fetchone()[0]

    try:
        wait_for(lambda: timer_events() == 3, sweeper, err)
    finally:
        code, took = stop(sweeper, signal.SIGTERM)
    assert code == 0 and took < 5, (code, took, err.read_text()[-3000:])
    messages = [line["message"] for line in json_lines(err)]
    assert any(m.startswith("timer sweeper started") for m in messages), messages
    assert "timer sweeper stopped" in messages
    assert timer_events() == 3  # each due lifecycle once, however many passes ran


def test_sweeper_process_stops_on_sigint(tmp_path):
    sweeper, err = start_sweeper(tmp_path, prepared_database(tmp_path))
    try:
        wait_for(lambda: "timer sweeper started" in err.read_text(), sweeper, err)
    finally:
        code, took = stop(sweeper, signal.SIGINT)
    assert code == 0 and took < 5, (code, took, err.read_text()[-3000:])
    assert "Traceback" not in err.read_text()


def test_a_stop_request_ends_the_sweep_after_the_instance_in_hand(app, world, monkeypatch):
    """SIGTERM mid-sweep: the instance being fired is finished and committed; the rest stay due for the
    next sweeper, none half-done."""
    import threading

    import tasks.sweep as sweep
    from webapp.simulation import recognised_space_now

    for n in range(3):
        recognised_space_now(f"空间{n}", world["org_a"].id, world["hohhot"].id)
    clock.advance(timedelta(days=185))
    stop_requested = threading.Event()
    fire = sweep.fire_instance

    def fire_then_signal(instance_id):
        outcome = fire(instance_id)
        stop_requested.set()  # as the signal handler would, while this instance was in hand
        return outcome

    monkeypatch.setattr(sweep, "fire_instance", fire_then_signal)
    assert sweep.sweep_once(stop=stop_requested) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "timer")) == 1
    still_due = db.session.scalar(select(func.count(ProcessInstance.id)).where(ProcessInstance.next_timer_at < clock.now()))
    assert still_due == 2


def test_a_sweep_ends_early_when_the_database_takes_no_writes(app, world, monkeypatch):
    """During an outage every claim fails and so does the back-off: the sweep gives up at the first
    instance instead of waiting out a connection timeout for each due one; the next sweep tries again."""
    import tasks.sweep as sweep
    from webapp.simulation import recognised_space_now

    for n in range(3):
        recognised_space_now(f"空间{n}", world["org_a"].id, world["hohhot"].id)
    clock.advance(timedelta(days=185))
    tried = []

    def database_away(self, instance):
        tried.append(instance.id)
        raise OSError("connection refused")

    monkeypatch.setattr(sweep.Runtime, "fire_due_timers", database_away)
    monkeypatch.setattr(sweep, "_back_off", lambda instance_id, description: False)
    assert sweep.sweep_once() == 0
    assert len(tried) == 1


# ---- (c) readiness ------------------------------------------------------------------------------------------

def migrated_app(tmp_path, deployed: bool):
    """An app on its own in-memory database brought to the newest schema as production does it (`flask db
    upgrade`; create_all where no migrations are set up), with or without deployed definitions."""
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        if "migrate" in app.extensions:
            from flask_migrate import upgrade

            upgrade()
        else:
            db.create_all()
        if deployed:
            deploy(read_directory(app.config["BPMN_DIR"]), note="tests")
        db.session.commit()
    return app


def test_ready_when_the_database_answers_and_definitions_are_deployed(tmp_path):
    app = migrated_app(tmp_path, deployed=True)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200 and response.get_json() == {"status": "ready"}
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_without_deployed_definitions(tmp_path):
    response = migrated_app(tmp_path, deployed=False).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready",
                                   "reason": "no process definitions deployed (run: flask --app webapp deploy)"}


def test_not_ready_when_the_database_is_unreachable(tmp_path):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "reason": "database unreachable"}
    assert app.test_client().get("/healthz").status_code == 200  # alive, just not ready


def test_not_ready_until_the_schema_is_at_the_newest_migration(tmp_path):
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_first.py").write_text('revision = "0001"\ndown_revision = None\n')
    (versions / "0002_second.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    app.extensions["migrate"] = SimpleNamespace(directory=str(tmp_path / "migrations"))
    with app.app_context():
        db.create_all()
        deploy(read_directory(app.config["BPMN_DIR"]), note="tests")
        db.session.commit()
        assert app.test_client().get("/readyz").get_json()["reason"].startswith("database schema not at the newest")
        db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        db.session.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
        db.session.commit()
        response = app.test_client().get("/readyz")
        assert response.status_code == 503 and "migration" in response.get_json()["reason"]
        db.session.execute(text("UPDATE alembic_version SET version_num = '0002'"))
        db.session.commit()
        assert app.test_client().get("/readyz").status_code == 200


# ---- (d) request ids -------------------------------------------------------------------------------------------

def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "webapp.request"]


def test_request_id_from_the_proxy_is_echoed_logged_and_on_every_record(app, caplog):
    caplog.set_level(logging.INFO)

    @app.get("/test-logs")
    def noisy():
        logging.getLogger("webapp.somewhere").warning("something worth a look")
        return "ok"

    response = app.test_client().get("/test-logs?q=secret", headers={"X-Request-ID": "3f2a-9c.proxy_1"})
    assert response.headers["X-Request-ID"] == "3f2a-9c.proxy_1"
    [inner] = [r for r in caplog.records if r.name == "webapp.somewhere"]
    assert inner.request_id == "3f2a-9c.proxy_1"
    [line] = request_lines(caplog)
    entry = json.loads(JsonFormatter().format(line))
    assert entry["request_id"] == "3f2a-9c.proxy_1" and entry["level"] == "INFO"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/test-logs", 200)  # no query string
    assert isinstance(entry["duration_ms"], float) and entry["user_id"] is None and entry["time"].endswith("Z")


@pytest.mark.parametrize("offered", ["two words", "x" * 200, "<script>", "id\u00e9", ""])
def test_a_malformed_request_id_is_replaced(app, caplog, offered):
    caplog.set_level(logging.INFO)
    response = app.test_client().get("/login", headers={"X-Request-ID": offered} if offered else {})
    given = response.headers["X-Request-ID"]
    assert given != offered and re.fullmatch("[0-9a-f]{32}", given)
    [line] = request_lines(caplog)
    assert line.request_id == given and line.status == 200


def test_the_request_line_names_the_signed_in_user(login, world, caplog):
    browser = login("torch1")
    caplog.set_level(logging.INFO)
    response = browser.get("/")
    assert response.status_code == 200
    [line] = request_lines(caplog)
    assert line.user_id == world["users"]["torch1"].id and line.request_id == response.headers["X-Request-ID"]
    assert json.loads(JsonFormatter().format(line))["user_id"] == line.user_id  # the account, not its session


def test_two_requests_get_two_ids(app):
    client = app.test_client()
    assert client.get("/healthz").headers["X-Request-ID"] != client.get("/healthz").headers["X-Request-ID"]


def test_workers_starting_together_share_one_generated_secret_key(tmp_path, monkeypatch):
    """Without MAKERSPACE_SECRET_KEY each worker reads the key kept in the instance folder. When another
    worker writes it between this one's look and its write, this one must use theirs, not overwrite it:
    else sessions signed by one worker are refused by the next."""
    import secrets

    from webapp import _instance_secret

    path = tmp_path / "secret_key"

    def meanwhile_another_worker_writes(nbytes):
        path.write_text("key-of-the-first-worker")
        return "key-of-this-worker"

    monkeypatch.setattr(secrets, "token_hex", meanwhile_another_worker_writes)
    assert _instance_secret(path) == "key-of-the-first-worker"
    assert path.read_text() == "key-of-the-first-worker"
    monkeypatch.undo()
    fresh = tmp_path / "fresh_key"
    assert _instance_secret(fresh) == fresh.read_text() and fresh.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name not in ("secret_key", "fresh_key")] == []  # no drafts left
