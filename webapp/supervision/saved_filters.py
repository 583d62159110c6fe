"""A person's saved filters of the case list: saving under a name replaces the filter of that name.

The database keeps one filter per person and name (the unique key uq_saved_filter_user_name). Two saves of
one name at once may both find no filter of that name; the later insert is then refused by the key, inside a
savepoint so the request's transaction goes on, and updates the row the other save made."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import SavedFilter


def _named(user_id: int, name: str) -> SavedFilter | None:
    return db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name))


def save(user_id: int, name: str, query: str) -> bool:
    """Keep `query` under `name` for this person; True when the name is new, False when a filter of that name
    was replaced. Only flushes: the caller commits."""
    existing = _named(user_id, name)
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(SavedFilter(user_id=user_id, name=name, query=query))
            return True
        except IntegrityError:
            # Another save of this name committed between the lookup and the insert: that row is the one.
            existing = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == user_id,
                                                                   SavedFilter.name == name)
                                         .execution_options(populate_existing=True))
            if existing is None:  # refused for another reason than the name (it was not there after all)
                raise
    existing.query = query
    db.session.flush()
    return False


def remove(saved: SavedFilter) -> None:
    db.session.delete(saved)
    db.session.flush()
