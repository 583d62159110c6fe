"""Log-in throttling (issue 9): failed attempts are counted per account name and per client address in the
portal's Flask-Limiter storage (MAKERSPACE_RATELIMIT_STORAGE_URI; a shared store such as redis:// when
several workers run). Only failures count; a success clears its account's count (not the address's).

A name no account has is counted and locked exactly like a real one, so the lock tells nothing about
which names exist. Behind a proxy, set MAKERSPACE_PROXY_FIX or every client shares the proxy's address.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, request
from limits import RateLimitItem, parse

from webapp.portal.limits import limiter  # one limiter and storage for the app (initialised by the portal)


def _counters(username: str) -> list[tuple[RateLimitItem, str, str]]:
    # Names are hashed: any text may be typed, and some stores (memcached) refuse spaces in keys.
    account = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    config = current_app.config
    return [(parse(config["LOGIN_ACCOUNT_LIMIT"]), "login-account", account),
            (parse(config["LOGIN_ADDRESS_LIMIT"]), "login-address", request.remote_addr or "unknown")]


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True)) and bool(limiter.enabled)


def seconds_locked(username: str) -> int:
    """How long log-ins for this name from this address stay refused; 0 when they are allowed."""
    if not _enabled():
        return 0
    strategy = limiter.limiter
    wait = 0
    for item, *keys in _counters(username):
        if not strategy.test(item, *keys):
            reset_at, _remaining = strategy.get_window_stats(item, *keys)
            wait = max(wait, math.ceil(reset_at - time.time()), 1)
    return wait


def record_failure(username: str) -> None:
    if _enabled():
        for item, *keys in _counters(username):
            limiter.limiter.hit(item, *keys)


def record_success(username: str) -> None:
    if _enabled():
        item, *keys = _counters(username)[0]
        limiter.limiter.clear(item, *keys)
