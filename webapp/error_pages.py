"""The app's error page, also when the database is down (issue 9).

The full page (error.html) extends base.html, which shows the signed-in person and the unread badge: both
ask the database. When the database has failed in this request — or fails while the full page is drawn —
a minimal page (error_minimal.html) is drawn instead: the same message in the person's language, with no
database behind it, so it answers at once rather than failing into Werkzeug's English page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import render_template, request
from flask_babel import format_number, gettext, ngettext
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


def too_large(files_message: str) -> str:
    """What was too large, as what it is: the whole submission over MAX_CONTENT_LENGTH is its files (the
    `files_message`, naming the limits); a submission within it was refused for the text of one box, over the
    memory a form's field may take (request.max_form_memory_size: Werkzeug's 500 KB, more on the trial run)."""
    length, total = request.content_length, request.max_content_length
    whole = length is None or (total is not None and length > total)  # (no length: a stream cut at the total)
    if whole and request.mimetype != "application/x-www-form-urlencoded":  # a form that carries no files is text
        return str(files_message)
    size = request.max_form_memory_size or 500_000
    return gettext("The text typed into one of the form's boxes is too long to be sent: one box may hold about "
                   "%(chars)s Chinese characters (%(kb)s KB). Please go back, shorten the text and send the form "
                   "again; nothing was saved.", chars=format_number(size // 3 // 1000 * 1000), kb=size // 1000)
