"""How the app holds its database connections when the database restarts, freezes or goes away (issue 9).

- Pre-ping: a pooled connection is tested before use, so the first request after a database restart gets
  a fresh connection instead of a dead one.
- Timeouts, per dialect (nothing else here assumes a database): how long to wait for a connection
  (DB_CONNECT_TIMEOUT, seconds), for a statement (DB_STATEMENT_TIMEOUT_MS) and for a lock
  (DB_LOCK_TIMEOUT_MS). PostgreSQL enforces the last two on the server (statement_timeout, lock_timeout);
  SQLite has neither, but its busy timeout bounds the wait for another writer's lock. 0 switches one off.
- Outage bookkeeping for the error pages: once a request has seen the database fail, nothing else in it
  (the error page, the unread badge, flask-login's user loader) asks the database again, so the app's
  own error page answers at once instead of waiting out the timeouts again, or failing itself.
- Closing the session at the end of a request never turns a finished response into a 500.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, g
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from .extensions import db

log = logging.getLogger(__name__)
_UNAVAILABLE = "makerspace_database_unavailable"


# ---- engine options ----------------------------------------------------------------------------------

def engine_options(url: str, config: Mapping[str, Any]) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS for `url`: pre-ping and the timeouts of its dialect, merged into the
    options the configuration already gives (what is given explicitly wins)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    # A failing statement's values (names, scores, password hashes) stay out of tracebacks and logs (ASVS 7.1.2).
    options.setdefault("hide_parameters", True)
    connect_args = dict(options.get("connect_args") or {})
    parsed = make_url(url)
    connect_seconds = float(config.get("DB_CONNECT_TIMEOUT", 5))
    statement_ms = int(config.get("DB_STATEMENT_TIMEOUT_MS", 30000))
    lock_ms = int(config.get("DB_LOCK_TIMEOUT_MS", 15000))
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if "connect_timeout" not in parsed.query and connect_seconds > 0:
            # libpq counts whole seconds (and treats 1 as 2)
            connect_args.setdefault("connect_timeout", max(2, round(connect_seconds)))
        ours = f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms}"
        # connect_args replace the URL's own `options`: keep them, after ours, so theirs win
        theirs = " ".join(str(v) for v in (parsed.query.get("options"), connect_args.get("options")) if v)
        connect_args["options"] = f"{ours} {theirs}".strip()
    elif backend == "sqlite":
        # No statement timeout in SQLite; the busy timeout lets a second writer wait for the lock, boundedly.
        connect_args.setdefault("timeout", lock_ms / 1000 if lock_ms > 0 else 86400.0)
    # Other databases: pre-ping only; give their driver's timeouts in SQLALCHEMY_ENGINE_OPTIONS.
    options["connect_args"] = connect_args
    return options


# ---- SQLite's journal ------------------------------------------------------------------------------------

def _sqlite_journal(dbapi_connection, _record) -> None:
    """A SQLite database file in write-ahead-log mode: readers never wait for the writer (inbox pages while
    the sweeper commits), and a commit appends to the log with one fsync instead of rewriting a rollback
    journal (three). synchronous=FULL keeps that fsync, so a commit that returned survives a power cut too."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("memory", "wal"):
            cursor.execute("PRAGMA journal_mode=WAL")  # stays with the file (a no-op for in-memory databases)
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


# ---- outages within a request --------------------------------------------------------------------------

def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = getattr(exc, "original_exception", None) or exc.__cause__ or exc.__context__


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` (or what caused it) means the database did not answer: refused or lost connection, a
    statement or lock timeout, a locked SQLite file, an exhausted pool. Not a constraint or a bug."""
    for e in _chain(exc):
        if isinstance(e, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                          sa_exc.DisconnectionError)):
            return True
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return True
    return False


def note_unavailable(exc: BaseException | None = None) -> None:
    """Remember for the rest of this request that the database failed. If the signed-in person could not be
    loaded, the request goes on as anonymous: otherwise every later `current_user` would ask again."""
    g.setdefault(_UNAVAILABLE, True)
    if "_login_user" not in g:  # flask-login's per-request cache of the user
        from .extensions import login_manager

        g._login_user = login_manager.anonymous_user()
    safe_rollback()


def unavailable() -> bool:
    return bool(g.get(_UNAVAILABLE))


def safe_rollback() -> None:
    """Roll back, whatever state the connection is in (a rollback over a dead connection can fail too)."""
    try:
        db.session.rollback()
    except Exception:
        log.warning("rollback failed; the session's connection is dropped", exc_info=True)
        _drop_session()


def _drop_session() -> None:
    registry = db.session.registry
    if registry.has():
        try:
            registry().invalidate()
        except Exception:
            log.debug("invalidating the session failed", exc_info=True)
        registry.clear()


def read_fresh(statement, attempts: int = 3, pause: float = 0.5):
    """The first row of `statement`, read on a connection of its own (not the session's, which may have
    died): to find out what a failed commit left in the database. Retries briefly, then raises."""
    for attempt in range(1, attempts + 1):
        try:
            with db.engine.connect() as connection:
                return connection.execute(statement).first()
        except sa_exc.SQLAlchemyError:
            if attempt == attempts:
                raise
            time.sleep(pause)
    return None


# ---- the end of a request ------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Call after db.init_app: teardown functions run in reverse order, so this closes the session first,
    and Flask-SQLAlchemy's own teardown then finds nothing left to close."""

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_journal):
        event.listen(Engine, "connect", _sqlite_journal)

    @app.teardown_appcontext
    def close_session(_exc) -> None:
        try:
            db.session.remove()
        except Exception:
            # The response is complete (a redirect after a commit, a page): a connection that died while it
            # was handed back changes nothing the person was told. Drop it; the pool makes a new one.
            log.warning("closing the database session failed after the response; connection dropped", exc_info=True)
            _drop_session()
