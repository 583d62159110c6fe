"""Log-in throttling (issue 9): failed attempts are counted in the application's own database (table
`login_failure`), so every worker process and every machine over the same database counts the same failures,
with no extra service. Three counters, each a limit in Flask-Limiter's notation ("5 per 15 minutes"):

- per account name *from one client address* (MAKERSPACE_LOGIN_ACCOUNT_ADDRESS_LIMIT, 5 per 15 minutes): the
  short lock a guesser meets. It is not per account alone: then anyone, from anywhere, could lock any person out
  of their own account with five wrong passwords; now the owner, at another address, still gets in;
- per account name from all addresses together (MAKERSPACE_LOGIN_ACCOUNT_LIMIT, 20 per 15 minutes): a ceiling
  against guessing spread over many addresses, high enough that a person's own mistakes never reach it;
- per client address over all names (MAKERSPACE_LOGIN_ADDRESS_LIMIT, 30 per 15 minutes): one address trying
  many names.

Only failures count; a success clears that account's count at that address (not the ceiling's: the owner
logging in does not forgive guesses made elsewhere). MAKERSPACE_RATELIMIT_ENABLED=0 switches all this off with
the portal's limits.

A limit of n per window holds while the window contains n failures, and the refusal lasts until the oldest of
the newest n leaves it (a sliding window over real, wall-clock time; never the demo clock). A name no account
has is counted and locked exactly like a real one, so the lock tells nothing about which names exist. The
client address is `request.remote_addr`, which MAKERSPACE_PROXY_FIX (werkzeug's ProxyFix, auth/transport.py)
sets from X-Forwarded-For behind the production proxy, as the portal's rate limits read it; without that
setting behind a proxy every client shares the proxy's address.

The throttle reads and writes on a connection of its own, never through the request's session: a failure is
committed at once although the request that records it ends in a refusal and commits nothing.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from limits import parse
from sqlalchemy import ColumnElement, delete, insert, select

from webapp.extensions import db
from webapp.models import LoginFailure

ACCOUNT, ADDRESS, PAIR = "account", "address", "pair"  # PAIR: an account name at one address
KEY_LENGTH = 64  # LoginFailure.key
PRUNE_EVERY = 64  # every so many failures, also drop the expired rows of names and addresses not seen again


@dataclass(frozen=True)
class _Counter:
    kind: str
    key: str
    limit: int
    window: timedelta


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _counter(kind: str, key: str, setting: str) -> _Counter:
    item = parse(current_app.config[setting])
    return _Counter(kind, key, max(1, item.amount), timedelta(seconds=item.get_expiry()))


def _counters(username: str) -> list[_Counter]:
    """The pair's counter first (the one a success clears), then the account's ceiling and the address's."""
    # The name is stored hashed: the box holds any text, now and then a password typed in the wrong place.
    account = _digest(username.strip().casefold())
    client = request.remote_addr or "unknown"  # the client's own address behind the proxy (ProxyFix)
    address = _digest(client) if len(client) > KEY_LENGTH else client
    return [_counter(PAIR, _digest(f"{account} {client}"), "LOGIN_ACCOUNT_ADDRESS_LIMIT"),
            _counter(ACCOUNT, account, "LOGIN_ACCOUNT_LIMIT"), _counter(ADDRESS, address, "LOGIN_ADDRESS_LIMIT")]


def _of(counter: _Counter) -> ColumnElement[bool]:
    return (LoginFailure.kind == counter.kind) & (LoginFailure.key == counter.key)


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _now() -> datetime:
    return datetime.now(UTC)  # real time: moving the demo clock must neither lift nor extend a lock


def seconds_locked(username: str) -> int:
    """How long log-ins for this name from this address stay refused; 0 when they are allowed."""
    if not _enabled():
        return 0
    now = _now()
    wait = 0
    with db.engine.connect() as connection:
        for counter in _counters(username):
            # The limit-th newest failure inside the window (the index's order; at most `limit` rows read):
            # while there is one, the limit is reached, until it leaves the window.
            at = connection.scalar(
                select(LoginFailure.at).where(_of(counter), LoginFailure.at > now - counter.window)
                .order_by(LoginFailure.at.desc()).offset(counter.limit - 1).limit(1))
            if at is not None:
                wait = max(wait, math.ceil((at + counter.window - now).total_seconds()), 1)
    return wait


def record_failure(username: str) -> None:
    if not _enabled():
        return
    now = _now()
    counters = _counters(username)
    with db.engine.begin() as connection:  # committed here, whatever the request does next
        for counter in counters:
            connection.execute(delete(LoginFailure).where(_of(counter), LoginFailure.at <= now - counter.window))
            row_id = connection.execute(insert(LoginFailure).values(kind=counter.kind, key=counter.key, at=now)
                                        ).inserted_primary_key[0]
        if row_id % PRUNE_EVERY < len(counters):  # ids grow by one per row: about once per PRUNE_EVERY rows
            for counter in counters:
                connection.execute(delete(LoginFailure).where(LoginFailure.kind == counter.kind,
                                                              LoginFailure.at <= now - counter.window))


def record_success(username: str) -> None:
    """The owner got in from here: their own mistakes here are forgotten. The account's ceiling keeps counting
    (failures from elsewhere may be someone else's guesses), and so does the address's."""
    if _enabled():
        with db.engine.begin() as connection:
            connection.execute(delete(LoginFailure).where(_of(_counters(username)[0])))
