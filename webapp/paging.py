"""Keyset paging's cursor, shared by every paged list (the inboxes, the instance list).

A page is addressed by the sort value and id of the row it ends at (or, going back, starts at), written
into its pager links as text, e.g. `2026-03-02T01:00:00Z,4711`. Every list writes and reads the same
format, so an address reads alike everywhere and one parser decides what a link may hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

MAX_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses to compare them with a larger number
_NONE = "-"  # the sort value of a row that has none (a task without a due date)


@dataclass(frozen=True)
class Cursor:
    value: datetime | None  # the row's sort value, an aware datetime (None: the row has none)
    id: int

    def __str__(self) -> str:
        if self.value is None:
            return f"{_NONE},{self.id}"
        # UTC with a Z rather than +00:00, so the cursor reads the same in an address bar as in the code
        return f"{self.value.astimezone(UTC).replace(tzinfo=None).isoformat()}Z,{self.id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """The cursor a link holds; ValueError for anything this class did not write (or could not have)."""
        value, ident = text.rsplit(",", 1)
        if not ident.isascii() or not ident.isdigit() or not 0 < int(ident) <= MAX_ID:
            raise ValueError("bad id")
        if value == _NONE:
            return cls(None, int(ident))
        if not value.endswith("Z"):
            raise ValueError("not UTC")
        moment = datetime.fromisoformat(value.removesuffix("Z"))
        if moment.tzinfo is not None:
            raise ValueError("two time zones")
        return cls(moment.replace(tzinfo=UTC), int(ident))


def cursor_or_none(text: str | None, *, dated: bool = False) -> Cursor | None:
    """The cursor of a link, or None for a missing or mangled one (the list then starts at its first page).
    `dated`: a list whose every row has a sort value takes no cursor without one."""
    if not text:
        return None
    try:
        cursor = Cursor.parse(text)
    except ValueError:
        return None
    return None if dated and cursor.value is None else cursor
