"""A person's saved filters of the instance list: a name and the query string that is the filter."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db

from .base import UTCDateTime, utcnow


class SavedFilter(db.Model):
    """Filters are GET parameters, so a saved filter is only a named link; it holds no case data and grants
    nothing: opening it runs the list under the opener's own scope."""

    __tablename__ = "saved_filter"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(1000))  # normalised: only the filter parameters, no cursor
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # One filter per person and name: saving under a name already used replaces that filter. The key, not a
    # lock, keeps it so (SQLite ignores row locks): of two saves at once, the second insert is refused and
    # updates the row the first one made (webapp/supervision/saved_filters.py).
    __table_args__ = (Index("ix_saved_filter_user", "user_id", "id"),
                      UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"))
