"""Rate limits of the public portal (Flask-Limiter), per client address.

Limits and storage come from the app config, each defaulting to an environment variable, so that a
deployment with several worker processes can point them at a shared store (e.g. ``redis://…``) and tests
can set a low limit. Behind a reverse proxy, wrap the app in werkzeug's ProxyFix, or every client shares
the proxy's address."""

from __future__ import annotations

import math
import os
import time

from flask import Flask, current_app, g
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# No default limits: staff pages are not limited; only the portal's routes say what they allow.
limiter = Limiter(get_remote_address)

DEFAULTS = {
    # memory:// counts per process, enough for the embedded server; set a shared store for several.
    "RATELIMIT_STORAGE_URI": os.environ.get("MAKERSPACE_RATELIMIT_STORAGE_URI", "memory://"),
    "RATELIMIT_ENABLED": os.environ.get("MAKERSPACE_RATELIMIT_ENABLED", "1") != "0",
    # Retry-After on a 429 (and X-RateLimit-* on the portal's answers), so clients know when to come back.
    "RATELIMIT_HEADERS_ENABLED": True,
    # Objections the case took (one refused for a form error, as anonymous or late does not use one up) …
    "PORTAL_OBJECTION_LIMIT": os.environ.get("MAKERSPACE_PORTAL_OBJECTION_LIMIT", "5 per hour"),
    # … and every objection sent, taken or not: refused ones are recorded, and must not fill the table.
    "PORTAL_OBJECTION_ATTEMPT_LIMIT": os.environ.get("MAKERSPACE_PORTAL_OBJECTION_ATTEMPT_LIMIT", "30 per hour"),
    "PORTAL_READ_LIMIT": os.environ.get("MAKERSPACE_PORTAL_READ_LIMIT", "300 per minute"),
}


def init_limiter(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    limiter.init_app(app)


def objection_limit() -> str:
    return current_app.config["PORTAL_OBJECTION_LIMIT"]


def read_limit() -> str:
    return current_app.config["PORTAL_READ_LIMIT"]


def objection_attempt_limit() -> str:
    return current_app.config["PORTAL_OBJECTION_ATTEMPT_LIMIT"]


def taken(accepted: bool) -> None:
    """The route says whether the case took the objection; only then does it count (`only_taken`)."""
    g.objection_taken = accepted


def only_taken(_response) -> bool:
    return bool(g.get("objection_taken"))


def seconds_to_wait() -> int | None:
    """How long the limit this request broke still holds (None when no portal limit was broken)."""
    broken = limiter.current_limit
    if broken is None or not broken.breached:
        return None
    return max(1, math.ceil(broken.reset_at - time.time()))


def minutes_to_wait() -> int | None:
    """Whole minutes, as people say "about N minutes" (an hour's window reads 60, not 61; never 0)."""
    seconds = seconds_to_wait()
    return None if seconds is None else max(1, round(seconds / 60))


def objection_refused_message() -> str:
    """The page a refused objection gets: it was not sent, and when to try again."""
    minutes = minutes_to_wait() or 60
    return ngettext("Too many objections were sent from this address in a short time, and this one was not sent. "
                    "Please try again in about %(num)s minute.",
                    "Too many objections were sent from this address in a short time, and this one was not sent. "
                    "Please try again in about %(num)s minutes.", minutes)
