"""Server-side sessions (issue 9): the session cookie names a `user_session` row, never the person.

Logging out deletes the row and a password change deletes all of the person's rows, so a cookie copied
before either opens nothing afterwards. Logging in starts from an empty cookie session (no fixation; a new
CSRF token). The user loader is one indexed query, run once per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, g, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select

from webapp.extensions import db
from webapp.models import User, UserSession

TOKEN_MAX_LENGTH = 100  # tokens are 43 characters; anything longer is not ours


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    # Wall-clock time: how long a login lasts has nothing to do with the demo's or a test's app clock.
    return datetime.now(UTC)


def start_session(user: User) -> str:
    """A new session row for `user` (flushed); the token is set on the user for flask-login's get_id."""
    token = secrets.token_urlsafe(32)
    now = _now()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now))
    db.session.add(UserSession(token_digest=_digest(token), user_id=user.id, created_at=now,
                               expires_at=now + timedelta(hours=float(current_app.config["SESSION_HOURS"]))))
    db.session.flush()
    user.session_token = token
    return token


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_digest == _digest(token)))


def end_all_sessions(user_id: int) -> int:
    """Every browser of this person logged out; returns how many sessions there were."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount


def load_user(token: str) -> User | None:
    """flask-login's user_loader: the person of a live session, by the session table's primary key."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return None  # e.g. a cookie from before sessions were server-side, which held the user id
    user = db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_digest == _digest(token), UserSession.expires_at > _now(), User.active))
    if user is not None:
        user.session_token = token
    return user


def sign_in(user: User) -> None:
    """Log `user` in in this browser: whatever the cookie session held before is dropped (session fixation),
    with its CSRF token, and a new server-side session begins."""
    session.clear()
    g.pop("csrf_token", None)  # flask-wtf caches the signed token per request
    start_session(user)
    login_user(user)


def sign_out() -> None:
    if current_user.is_authenticated:
        end_session(current_user.session_token)
    logout_user()
    session.clear()
    g.pop("csrf_token", None)
