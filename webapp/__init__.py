"""The Flask application factory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .config import Config
from .extensions import babel, csrf, db, login_manager, migrate
from .language import init_app as init_language
from .language import select_locale
from .private_files import private_directory, private_sqlite_database

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                           "frame-ancestors 'none'")


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from .request_limits import AppRequest

    app.request_class = AppRequest  # a view may take more text in one form field than the default (trial run)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    private_directory(app.instance_path)  # owner-only (0700), like the database and uploads in it
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'makerspace.db'}"
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    private_directory(app.config["UPLOAD_DIR"])
    private_sqlite_database(app.config["SQLALCHEMY_DATABASE_URI"])  # 0600 before SQLite creates it 0644
    from .database import engine_options
    from .database import init_app as init_database

    # Pre-ping and connect/statement/lock timeouts for the URL's dialect, merged into the configured options.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"], app.config)

    db.init_app(app)
    init_database(app)  # after db.init_app: a session that fails to close never turns a response into a 500
    migrate.init_app(app, db)  # `flask db …`: the schema's Alembic migrations (migrations/)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_language(app)  # the header's 中文 / English link and the cookie that keeps the choice
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")

    import tasks

    from . import models  # noqa: F401  (metadata complete before create_all)
    from .auth.sessions import load_user
    from .auth.transport import init_transport

    tasks.register_all()  # the service-task functions, into the engine's registry
    from .engine.services import tasks_opened
    from .notifications import notify_new_tasks

    tasks_opened.connect(notify_new_tasks)  # a step that opens is announced to those it waits on

    login_manager.user_loader(load_user)  # the cookie names a server-side session, ended at logout
    init_transport(app)  # MAKERSPACE_HTTPS (Secure cookies, HSTS) and MAKERSPACE_PROXY_FIX

    from .views import AsciiIntegerConverter

    app.url_map.converters["int"] = AsciiIntegerConverter  # before any route: `<int:…>` in every blueprint
    _register_blueprints(app)
    _register_errors(app)

    @app.url_value_preprocessor
    def ids_in_range(endpoint, values):  # an `<int:…>` beyond 64 bits is no record, not a driver overflow
        from werkzeug.exceptions import NotFound

        from .views import MAX_ID

        if values and any(isinstance(v, int) and not -MAX_ID <= v <= MAX_ID for v in values.values()):
            raise NotFound()

    @app.get("/healthz")
    def healthz():  # for a load balancer, and the benchmarks' baseline: no database, no template
        return {"status": "ok"}

    from .observability import init_app as init_observability

    init_observability(app)  # request ids, one log line per request, /readyz

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Scripts only from this site (no inline script exists; JSON data blocks are not executed); inline
        # styles stay allowed: bpmn.io's editors and ECharts set style attributes.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        # Private pages never stay in a shared cache. Whether someone is signed in is read from the session
        # cookie, not from the user row: after the request's commit that row would be read again, and a
        # static file must not load it at all (no query, none while the database is down).
        if not request.path.startswith("/static/") and session.get("_user_id"):
            response.headers["Cache-Control"] = "no-store"
        return response

    _register_clock(app)
    from .engine.sandbox import configure_budgets  # diagram code's time and size budgets (engine/budget.py)

    configure_budgets(app.config["DIAGRAM_TIME_BUDGET_SECONDS"], app.config["DIAGRAM_SIZE_BUDGET_BYTES"])
    from .cli import register_cli

    register_cli(app)

    from .engine.sandbox import last_day
    from .labels import due_label, local_date, local_time

    app.jinja_env.filters["localtime"] = local_time  # China time, as in the rows built in Python
    app.jinja_env.filters["localdate"] = local_date
    # An end instant as the last day it includes (a notice ending 12-09 00:00 runs to 12-08 inclusive).
    app.jinja_env.filters["lastday"] = lambda d: last_day(d.isoformat()) if d else ""
    app.jinja_env.globals["provisional_end"] = _provisional_end  # （暂定） beside that day, while it may still move
    app.jinja_env.globals["due_label"] = due_label  # a deadline and the days left (inbox rows, task pages)
    _register_upload_limits(app)
    from .access import may_view_space

    app.jinja_env.globals["may_view_space"] = may_view_space  # a link only where it opens (an expert's does not)
    from .labels import service_labels

    app.jinja_env.globals["service_labels"] = service_labels  # an application's services by name

    from .labels import as_number, as_score

    app.jinja_env.filters["number"] = as_number  # as typed: 3, not 3.0
    app.jinja_env.filters["score"] = as_score  # scores always with two decimals

    def user_name(user_id) -> str:
        user = db.session.get(models.User, int(user_id)) if user_id else None
        return user.display_name if user else ""

    app.jinja_env.globals["user_name"] = user_name

    def actor_label(actor) -> str:
        """Who did a step, as this viewer may know it: staff see names; others see their own name and
        otherwise only the role (an applicant must not learn who its experts were)."""
        from flask_babel import gettext

        if actor is None:
            return gettext("system")
        if current_user.is_authenticated and (current_user.sees_everything or current_user.id == actor.id):
            return actor.display_name
        return gettext(actor.role)

    app.jinja_env.globals["actor_label"] = actor_label
    from .labels import award_label

    app.jinja_env.globals["award_label"] = award_label
    from .fault_words import designer_message, process_name

    app.jinja_env.filters["designer_message"] = designer_message  # an engine message, never the sandbox's helpers
    app.jinja_env.globals["process_name"] = process_name  # a fault's process as its diagram names it

    @app.context_processor
    def inject_globals():
        from .views import unread_count

        return {"unread_notifications": unread_count(current_user), "demo_mode": app.config["DEMO_MODE"]}

    return app


def _instance_secret(path: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts without a shared default."""
    import secrets

    if not path.exists():
        # Several server workers start at once: the first link wins and every worker reads that key
        # (a plain write would leave each worker signing sessions with a key of its own).
        import os
        import tempfile

        fd, draft = tempfile.mkstemp(dir=path.parent)  # mode 0600
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


def _register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .applications.routes import bp as applications_bp
    from .auth.routes import bp as auth_bp
    from .dashboard.routes import bp as dashboard_bp
    from .designer.routes import bp as designer_bp
    from .evaluations.routes import bp as evaluations_bp
    from .exports.routes import bp as exports_bp
    from .inbox.routes import bp as inbox_bp
    from .notices.routes import bp as notices_bp
    from .office.routes import bp as office_bp  # the office verbs: send back, withdraw, transfer, urge
    from .portal.routes import bp as portal_bp  # the public portal; brings its rate limiter along
    from .registry.routes import bp as registry_bp
    from .rounds.routes import bp as rounds_bp
    from .supervision import case as _case_page  # noqa: F401  (the case page, on supervision's blueprint)
    from .supervision.routes import bp as supervision_bp

    for blueprint in (auth_bp, inbox_bp, applications_bp, registry_bp, supervision_bp, notices_bp, admin_bp,
                      rounds_bp, evaluations_bp, designer_bp, exports_bp, portal_bp, office_bp, dashboard_bp):
        app.register_blueprint(blueprint)


def _upload_limits(app: Flask) -> dict:
    mb = 1024 * 1024
    return {"types": "、".join(ext.upper() for ext in app.config["UPLOAD_EXTENSIONS"] if ext != "jpeg"),
            "each": app.config["UPLOAD_MAX_BYTES"] // mb, "total": app.config["MAX_CONTENT_LENGTH"] // mb}


def _register_upload_limits(app: Flask) -> None:
    """What a file field takes, said beside it (and on the page an over-large submission gets)."""
    app.jinja_env.globals["upload_accept"] = ",".join(f".{ext}" for ext in app.config["UPLOAD_EXTENSIONS"])

    hint = _l("Accepted: %(types)s; each file up to %(each)s MB, all files of one submission together up to "
              "%(total)s MB.", **_upload_limits(app))
    app.jinja_env.globals["upload_hint"] = lambda: hint  # a global: the macros are imported without context
    from forms.uploads import chosen_files

    app.jinja_env.globals["chosen_files"] = chosen_files


def _register_errors(app: Flask) -> None:
    """Every HTTP error shows the app's own page, in the user's language (never Werkzeug's English page)."""
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    from .database import is_unavailable, note_unavailable, safe_rollback
    from .error_pages import render_error, too_large, too_many_requests

    def page(code: int, message: str, error: HTTPException | None = None):
        # keep what the error adds to the headers (Allow on 405, Retry-After on 429), not its HTML body
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"] if error else []
        return render_error(code, message, headers)  # a minimal page when the database is down

    messages = {
        400: _l("The request could not be understood. Please go back, reload the page and try again."),
        403: _l("You do not have access to this page."),
        404: _l("Not found."),
        405: _l("This address cannot be used this way. Please use the links and buttons on the pages."),
        409: _l("Someone else changed this at the same moment. Please reload the page and try again."),
        413: _l("The files sent together are too large: each file may be up to %(each)s MB, all files of one "
                "submission together up to %(total)s MB. Please go back, make the files smaller or send fewer at "
                "once, and choose them again (a browser does not keep chosen files).", **_upload_limits(app)),
    }
    # Messages that depend on the request: what was too large (the files, or the text of a box), how long a
    # limit still holds.
    worded = {413: lambda e: too_large(messages[413]), 429: too_many_requests}

    @app.before_request
    def refuse_nul():
        """A NUL character is never text a person typed: PostgreSQL cannot store it in a text column (the
        request failed with a 500 there) and SQLite would keep what no page shows. Refused before any route
        reads the request (a password, a round's title, a saved filter's name alike)."""
        # (A page's own GET parameters are read by its route, which treats a bad one as none: a mangled paging
        # link shows the first page.)
        sent = [request.path]
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            sent += (value for _, value in request.form.items(multi=True))
        if any("\x00" in value for value in sent):
            return page(400, _l("What was sent contains a control character (NUL) that cannot be saved. Please "
                                "remove it and try again."))
        return None

    app.register_error_handler(CSRFError, lambda e: page(400, _l("The form expired or was not sent from this site. Please go back, reload and try again.")))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code in worded:
            return page(e.code, worded[e.code](e), e)
        return page(e.code, messages.get(e.code, _l("The request could not be completed. Please go back and try again.")), e)

    @app.errorhandler(500)
    def server_error(e):
        if is_unavailable(e):  # refused, lost, timed out: the page must not ask the database again
            note_unavailable(e)
            return page(503, _l("The system cannot reach its database just now. Please try again in a few minutes."))
        safe_rollback()
        return page(500, _l("Something went wrong; nothing was saved. Please try again."))


def _provisional_end(notice) -> bool:
    """Whether to mark a notice's last day （暂定）: published with an end counted on weekends only, and still
    running (webapp/workdays.end_still_provisional)."""
    from .clock import clock
    from .workdays import end_still_provisional

    return end_still_provisional(notice, clock.now())


def _register_clock(app: Flask) -> None:
    """In demo mode the clock offset lives in the database so the web server and sweeper agree."""
    from .clock import clock

    @app.before_request
    def load_clock_offset():
        # Not for static files: they need no clock, and must load while the database is down.
        if app.config["DEMO_MODE"] and not app.config.get("TESTING") and request.endpoint != "static":
            import logging

            from sqlalchemy.exc import SQLAlchemyError

            from .database import safe_rollback
            from .models import AppSetting

            try:
                setting = db.session.get(AppSetting, "clock_offset_seconds")
            except SQLAlchemyError:  # the last offset read stays; the page itself meets the outage, if any
                logging.getLogger(__name__).warning("demo clock offset not readable", exc_info=True)
                safe_rollback()
                return
            clock.set_offset(timedelta(seconds=float(setting.value)) if setting else timedelta(0))


__all__ = ["create_app"]
