"""Rate limits of the public portal (Flask-Limiter), per client address.

Limits and storage come from the app config, each defaulting to an environment variable, so that a
deployment with several worker processes can point them at a shared store (e.g. ``redis://…``) and tests
can set a low limit. Behind a reverse proxy, wrap the app in werkzeug's ProxyFix, or every client shares
the proxy's address."""

from __future__ import annotations

import os

from flask import Flask, current_app
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
    "PORTAL_OBJECTION_LIMIT": os.environ.get("MAKERSPACE_PORTAL_OBJECTION_LIMIT", "5 per hour"),
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
