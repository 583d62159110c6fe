"""The app's error page, also when the database is down (issue 9).

The full page (error.html) extends base.html, which shows the signed-in person and the unread badge: both
ask the database. When the database has failed in this request — or fails while the full page is drawn —
a minimal page (error_minimal.html) is drawn instead: the same message in the person's language, with no
database behind it, so it answers at once rather than failing into Werkzeug's English page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import render_template
from flask_babel import gettext, ngettext
from werkzeug.exceptions import HTTPException

from .database import is_unavailable, note_unavailable, safe_rollback, unavailable

log = logging.getLogger(__name__)


def render_error(code: int, message: str, headers: Iterable[tuple[str, str]] = ()):
    headers = list(headers)
    if not unavailable():
        try:
            body = render_template("error.html", code=code, message=message)
            if not unavailable():  # the badge or the user could not be read while drawing it
                return body, code, headers
        except Exception as exc:
            if is_unavailable(exc):
                note_unavailable(exc)
            else:
                log.exception("drawing the error page failed; the minimal page is shown")
                safe_rollback()
    # never kept by a cache: the next request may find the database back
    return render_template("error_minimal.html", code=code, message=message), code, [
        *[(k, v) for k, v in headers if k.lower() != "cache-control"], ("Cache-Control", "no-store")]


def too_many_requests(error: HTTPException) -> str:
    """A rate limit's page says how long the limit still holds (the portal's limiter knows), and what a
    refused objection needs to hear (the limit's own message: it was not sent)."""
    from flask_limiter.errors import RateLimitExceeded

    from .portal.limits import minutes_to_wait

    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        return error.description or ""
    minutes = minutes_to_wait()
    if minutes is None:  # not one of our limits: nothing says how long
        return gettext("Too many requests in a short time. Please wait a moment and try again.")
    return ngettext("Too many requests in a short time. Please try again in about %(num)s minute.",
                    "Too many requests in a short time. Please try again in about %(num)s minutes.", minutes)
