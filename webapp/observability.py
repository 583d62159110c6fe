"""What operators see of a running app: a request id on every request and every log line it causes, one
log line per request, the log format (JSON in production), and the readiness endpoint.

- The request id is the proxy's `X-Request-ID` when it is well-formed (so the proxy's log and ours name
  the same request), else a fresh one; it is echoed in the response's `X-Request-ID` header.
- Every log record carries `request_id` (None outside a request), whatever logger wrote it.
- After each request, logger `webapp.request` writes one line: method, path (never the query string: it
  can hold search terms and `next` addresses), status, duration in ms, and the signed-in user's id; at
  INFO (ERROR for a 5xx; DEBUG for a health probe that passed).
- `/readyz`: 200 when the database answers, definitions are deployed and (with Flask-Migrate set up) the
  schema is at the newest migration; else 503 with the reason, for a load balancer or an orchestrator.
  `/healthz` (in create_app) only says the process serves requests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.config
import os
import re
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from uuid import uuid4

from flask import Flask, current_app, g, request

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and . _ - (a UUID, nginx's $request_id, a trace id); never spaces, quotes or line
# breaks, which would let a client forge log lines or headers.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_USER_KEY = "makerspace.user_id"
_PROBES = ("/healthz", "/readyz")  # polled every few seconds by a load balancer: logged at DEBUG when fine
request_log = logging.getLogger("webapp.request")


# ---- log records and formats --------------------------------------------------------------------------

def _install_record_factory() -> None:
    """Stamp every record with the current request id (any logger: ours, SQLAlchemy's, Flask's)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "makerspace", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory.makerspace = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_install_record_factory()
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, pid, any `extra` fields,
    and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


PLAIN_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s [%(request_id)s] %(message)s"


class LogHandler(logging.StreamHandler):
    """The app's handler on the root logger (stderr), in the chosen format."""

    def __init__(self, fmt: str = "json") -> None:
        super().__init__()
        self.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN_FORMAT))
        self.addFilter(_with_request_id)


def _with_request_id(record: logging.LogRecord) -> bool:
    if not hasattr(record, "request_id"):  # a record made before the factory was installed
        record.request_id = None
    return True


def logging_config(fmt: str = "json", level: str = "INFO", access_log: bool = False) -> dict:
    """A dictConfig: everything through the root logger to stderr, gunicorn's own loggers included (the
    gunicorn config passes this as `logconfig_dict`). gunicorn's access lines only with `access_log`:
    the app's own request line says more."""
    if fmt not in ("json", "plain"):
        raise ValueError(f"MAKERSPACE_LOG_FORMAT must be json or plain, not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"app": {"()": "webapp.observability.LogHandler", "fmt": fmt}},
        "root": {"level": level.upper(), "handlers": ["app"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO" if access_log else "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure_logging(fmt: str | None = None, level: str | None = None) -> None:
    """Log to stderr in MAKERSPACE_LOG_FORMAT (default json) at MAKERSPACE_LOG_LEVEL (default INFO)."""
    logging.config.dictConfig(logging_config(fmt or os.environ.get("MAKERSPACE_LOG_FORMAT") or "json",
                                             level or os.environ.get("MAKERSPACE_LOG_LEVEL") or "INFO"))


# ---- the request id and the request line -------------------------------------------------------------

def accepted_request_id(value: str | None) -> str:
    return value if value and _WELL_FORMED.fullmatch(value) else uuid4().hex


class RequestLog:
    """WSGI middleware around the whole Flask app, so the id and the line cover everything: static files,
    404s raised before any view, the error handlers' own failures."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = accepted_request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status: list[int] = []

        def start(status_line: str, headers: list, exc_info=None):
            status.append(int(status_line.split(" ", 1)[0]))
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"] + [(REQUEST_ID_HEADER, request_id)]
            return start_response(status_line, headers, exc_info) if exc_info else start_response(status_line, headers)

        try:
            return self.wsgi_app(environ, start)
        finally:
            code = status[-1] if status else 500
            path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")  # WSGI's latin-1
            request_log.log(
                logging.ERROR if code >= 500 else logging.DEBUG if path in _PROBES and code == 200 else logging.INFO,
                "%s %s %s", environ.get("REQUEST_METHOD"), path, code,
                extra={"method": environ.get("REQUEST_METHOD"), "path": path, "status": code,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                       "user_id": environ.get(_USER_KEY)},
            )
            REQUEST_ID.reset(token)


def _note_user(_exc) -> None:
    # Only a user some part of the request already loaded (flask_login keeps it in g): logging never
    # queries the database itself. The account's id, never get_id(): that names the session.
    # Nor after the commit, which expired the row: its id is read from the identity map's key.
    user = g.get("_login_user")
    if user is not None and not getattr(user, "is_anonymous", True):
        from sqlalchemy import inspect

        identity = inspect(user, raiseerr=False)
        request.environ[_USER_KEY] = identity.identity[0] if identity is not None and identity.identity else None


# ---- readiness ---------------------------------------------------------------------------------------

_heads: dict[str, set[str]] = {}


def _migration_heads(directory: str) -> set[str] | None:
    """The newest revisions of the migration scripts (read once per process), or None without them."""
    if directory not in _heads:
        if not os.path.isdir(directory):
            return None
        from alembic.script import ScriptDirectory

        _heads[directory] = set(ScriptDirectory(directory).get_heads())
    return _heads[directory]


def readiness() -> tuple[dict, int]:
    from sqlalchemy import select, text
    from sqlalchemy.exc import SQLAlchemyError

    from .extensions import db
    from .models import DefinitionBundle

    def not_ready(reason: str):
        with contextlib.suppress(SQLAlchemyError):  # a connection that just failed may fail this too
            db.session.rollback()
        return {"status": "not ready", "reason": reason}, 503

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logging.getLogger(__name__).warning("readiness: the database does not answer", exc_info=True)
        return not_ready("database unreachable")
    migrate = current_app.extensions.get("migrate")
    heads = _migration_heads(str(migrate.directory)) if migrate is not None else None
    if heads:
        try:
            current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        except SQLAlchemyError:
            current = set()
        if current != heads:
            return not_ready("database schema not at the newest migration (run: flask --app webapp db upgrade)")
    try:
        deployed = db.session.scalar(select(DefinitionBundle.id).limit(1)) is not None
    except SQLAlchemyError:
        return not_ready("database schema missing (run: flask --app webapp db upgrade)")
    if not deployed:
        return not_ready("no process definitions deployed (run: flask --app webapp deploy)")
    db.session.rollback()
    return {"status": "ready"}, 200


def init_app(app: Flask) -> None:
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]
    app.teardown_request(_note_user)

    @app.get("/readyz")
    def readyz():
        body, code = readiness()
        return body, code, {"Cache-Control": "no-store"}
