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
