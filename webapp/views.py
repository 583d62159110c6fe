"""Small helpers shared by the route modules."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import IntegerConverter

from forms.fields import MAX_ID
from webapp.database import note_unavailable, unavailable
from webapp.engine import faults
from webapp.extensions import db
from webapp.models import Notification

log = logging.getLogger(__name__)


def unread_count(user) -> int:
    """The badge on every page. Never fails the page: with the database down it is left out (and the rest
    of the request does not ask the database again; webapp/database.py)."""
    if unavailable():
        return 0
    try:
        if not getattr(user, "is_authenticated", False):  # may load the user: a query
            return 0
        return db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        ) or 0
    except SQLAlchemyError as exc:
        log.warning("unread notices not countable", exc_info=True)
        note_unavailable(exc)
        return 0


_ID = re.compile(r"[1-9][0-9]{0,18}")  # ASCII digits, no sign, no leading zero


def ident_or_404(value) -> int:
    """A record id from the URL, or 404 (not a number, or beyond what the database stores)."""
    # Only the digits the app writes: int() would also take "１" (full-width), "+1", " 1" and "1_0" (= 10),
    # so one record would answer to many addresses.
    if isinstance(value, int) and not isinstance(value, bool):
        ident = value
    elif isinstance(value, str) and _ID.fullmatch(value):
        ident = int(value)
    else:
        abort(404)
    if not 0 < ident <= MAX_ID:
        abort(404)
    return ident


def get_or_404(model, ident):
    obj = db.session.get(model, ident_or_404(ident))
    if obj is None:
        abort(404)
    return obj


def require(condition: bool) -> None:
    """Refuse with 403; used after loading, so a guessed id and a forbidden one look alike to lists."""
    if not condition:
        abort(403)


def role_required(*roles):
    from functools import wraps

    from flask_login import login_required

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# One sentence for every place where a diagram fails on a real case: no class names, no ids (issue 7.5).
def engine_fault_message() -> str:
    return _("The procedure has a fault at this step and could not continue. Nothing was saved; the fault was "
             "recorded for the process designers.")


def report_engine_fault(exc: BaseException, *, trigger: str, instance_id: int | None = None, step: str = "") -> None:
    """A diagram failed while a person acted on a case: undo everything the action did, keep the fault for
    the designers and supervisors (a transaction of its own, after the rollback), and tell the person in
    plain words. Call it from the `except` around the engine call, in place of the rollback."""
    if isinstance(exc, SQLAlchemyError):
        # Not the diagram's fault (a lost connection, a locked database, a constraint): nothing to show the
        # designers, and its message may hold the submitted values. Undo, log, ask the person to retry.
        db.session.rollback()
        log.error("the database refused an action (%s on %s)", trigger, instance_id, exc_info=exc)
        flash(_("The system could not save this just now; nothing was saved. Please try again."), "error")
        return
    description = faults.describe(exc)  # before the rollback: it reads the engine's objects only
    db.session.rollback()
    log.error("a diagram failed (%s on %s): %s", trigger, instance_id, description.message, exc_info=exc)
    try:
        faults.record(description, trigger=trigger, step=step, instance_id=instance_id,
                      actor_id=current_user.id if getattr(current_user, "is_authenticated", False) else None)
        db.session.commit()
    except Exception:  # the fault could not be stored: the log above still has it
        db.session.rollback()
        log.exception("recording the fault failed")
    flash(engine_fault_message(), "error")


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`: never a redirect to another site.

    Browsers and Werkzeug drop tabs and line breaks from a Location and read a backslash as a slash, so a
    slash, a tab, a slash and a host (or a slash, a backslash and a host) would become `//host`; targets
    holding control characters or backslashes are refused whole."""
    from urllib.parse import urlsplit

    if not target or any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return default
    return target


_MARK = 2_000_000_001  # a number no real id has yet; only ever used to cut an address in two


def url_pattern(endpoint: str, key: str) -> Callable[[int], str]:
    """`url_for(endpoint, key=value)` for many values at the cost of one: the address is built once around
    a marker and the value is put in its place."""
    head, tail = url_for(endpoint, **{key: _MARK}).split(str(_MARK), 1)
    return lambda value: f"{head}{value}{tail}"


def back_to(default: str) -> str:
    """The page the person came from (its Referer), if it is a page of this site, else `default`: a Referer
    is the client's to write, so a crafted one must not send anyone to another site."""
    from urllib.parse import urlsplit

    from flask import request

    came_from = urlsplit(request.referrer or "")
    if not came_from.path or came_from.netloc != request.host:
        return default
    return local_path(came_from.path + (f"?{came_from.query}" if came_from.query else ""), default)


def is_ident(text: str) -> bool:
    """`text` is an id as the app writes it (ASCII digits, no sign or leading zero, within MAX_ID)."""
    return bool(_ID.fullmatch(text)) and int(text) <= MAX_ID


class AsciiIntegerConverter(IntegerConverter):
    """`<int:…>` as the app writes numbers: Werkzeug's own matches any Unicode digit ("１", "٣"), so one
    version answered to many addresses."""

    regex = r"(?:0|[1-9][0-9]*)"
