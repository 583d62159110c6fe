"""Password hashing: argon2id at OWASP's parameters (issue 9), reading older werkzeug hashes until they are
upgraded at the owner's next successful log-in.

The cost comes from the app config (ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM; defaults in
webapp/config.py: t=2, m=19 MiB, p=1, OWASP's minimum for argon2id). Outside an app those defaults apply.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash

ARGON2_PREFIX = "$argon2id$"
# Hashes werkzeug's generate_password_hash wrote before argon2id ("scrypt:32768:8:1$salt$hash", "pbkdf2:…").
LEGACY_PREFIXES = ("scrypt:", "pbkdf2:")


def _parameters() -> tuple[int, int, int]:
    from webapp.config import Config

    config = current_app.config if has_app_context() else {}

    def get(key: str) -> int:
        return int(config.get(key, getattr(Config, key)))

    return get("ARGON2_TIME_COST"), get("ARGON2_MEMORY_KIB"), get("ARGON2_PARALLELISM")


@lru_cache(maxsize=8)
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


def hasher() -> PasswordHasher:
    return _hasher_for(*_parameters())


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches `stored`; a malformed or unknown stored value never matches."""
    if stored.startswith(ARGON2_PREFIX):
        try:
            return hasher().verify(stored, password)  # the cost is read from the hash itself
        except (VerificationError, InvalidHashError):
            return False
    if stored.startswith(LEGACY_PREFIXES):
        try:
            return check_password_hash(stored, password)
        except (ValueError, TypeError):
            return False
    return False


def needs_rehash(stored: str) -> bool:
    """An older scheme, or argon2id at other parameters than configured now."""
    if not stored.startswith(ARGON2_PREFIX):
        return True
    try:
        return hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher_for(time_cost, memory_kib, parallelism).hash("no account has this password")


def verify_nothing(password: str) -> None:
    """Spend what checking a real account's password costs, for a name no active account has: answering
    an unknown name faster would tell an attacker which names exist."""
    verify_password(_dummy_hash(*_parameters()), password)
