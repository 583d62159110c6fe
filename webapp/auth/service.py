"""Logging in and changing passwords (issue 9). Like every service here it only flushes; the route commits.

Every path through `log_in` checks one password hash, so an unknown name answers as slowly as a known one,
and every refusal reads the same whether or not the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User
from webapp.passwords import needs_rehash, verify_nothing

from . import throttle
from .forms import PASSWORD_MAX_LENGTH
from .sessions import end_all_sessions


@dataclass
class Attempt:
    user: User | None = None  # the person, when the password was right and no lock holds
    wait_seconds: int = 0  # > 0: refused by the throttle for about this long


def log_in(username: str, password: str) -> Attempt:
    name = username.strip()
    if wait := throttle.seconds_locked(name):
        return Attempt(wait_seconds=wait)  # not even checked: the right password waits out the lock too
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        verify_nothing(password)
        accepted = False
    else:
        accepted = user.check_password(password) and user.active
    if not accepted:
        throttle.record_failure(name)
        return Attempt(wait_seconds=throttle.seconds_locked(name))
    throttle.record_success(name)
    if needs_rehash(user.password_hash):  # an older scheme or weaker parameters: upgrade while we know it
        user.set_password(password)
        db.session.flush()
    return Attempt(user=user)


@dataclass
class PasswordChange:
    done: bool = False
    wait_seconds: int = 0
    wrong_current: bool = False
    unchanged: bool = False


def change_password(user: User, current: str, new: str) -> PasswordChange:
    """The signed-in person's own change. Wrong current passwords count against the account's log-in
    throttle, so a borrowed session cannot be used to guess it. On success every session of the person
    ends; the route starts a fresh one for this browser."""
    if wait := throttle.seconds_locked(user.username):
        return PasswordChange(wait_seconds=wait)
    if not user.check_password(current):
        throttle.record_failure(user.username)
        return PasswordChange(wrong_current=True)
    if new == current:
        return PasswordChange(unchanged=True)
    user.set_password(new)
    end_all_sessions(user.id)
    db.session.flush()
    return PasswordChange(done=True)


def check_new_password(password: str) -> None:
    """The rule the password form applies, for passwords set from the command line: ValueError(minimum)."""
    if len(password.strip()) < current_app.config["PASSWORD_MIN_LENGTH"] or len(password) > PASSWORD_MAX_LENGTH:
        raise ValueError(current_app.config["PASSWORD_MIN_LENGTH"], PASSWORD_MAX_LENGTH)


def set_password(username: str, password: str) -> int:
    """An operator's reset (`flask set-password`): every session of the person ends. Returns how many.
    Raises LookupError for an unknown name, ValueError for a password shorter than the minimum."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(username)
    check_new_password(password)
    user.set_password(password)
    ended = end_all_sessions(user.id)
    db.session.flush()
    return ended
