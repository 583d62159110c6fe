"""Small helpers shared by the route modules."""

from __future__ import annotations

from flask import abort
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Notification


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def get_or_404(model, ident):
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def require(condition: bool) -> None:
    """Refuse with 403; used after loading, so a guessed id and a forbidden one look alike to lists."""
    if not condition:
        abort(403)


def role_required(*roles):
    from functools import wraps

    from flask_login import current_user, login_required

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator
