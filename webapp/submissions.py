"""One-time tokens on the forms that start a case (a change filing, a national filing, a violation report).

Each rendering of such a form carries a new random token; the case it starts keeps it in a unique column
(process_instance.start_token). The same form posted again (a double click, a resend after a lost answer,
back and submit) or twice at once finds the case the first post started instead of starting another: the
second INSERT fails on the unique column before any of the diagram runs. (The new-application form has its
own token on the application: webapp/applications/routes.py.)"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ProcessInstance

FIELD = "start_token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_token(text: str) -> bool:
    """`text` could be a token this site issued (here or on the new-application form)."""
    return bool(_TOKEN.fullmatch(text))


def token_from(form) -> str | None:
    """The posted token, if it is one this site could have issued (anything else: none, no idempotency)."""
    token = form.get(FIELD) or ""
    return token if is_token(token) else None


def started_with(token: str | None) -> ProcessInstance | None:
    if token is None:
        return None
    return db.session.scalar(select(ProcessInstance).where(ProcessInstance.start_token == token))
