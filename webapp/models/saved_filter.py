"""A person's saved filters of the instance list: a name and the query string that is the filter."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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

    __table_args__ = (Index("ix_saved_filter_user", "user_id", "id"),)
