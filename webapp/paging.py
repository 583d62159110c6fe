"""Keyset paging's cursor, shared by every paged list (the inboxes, the instance list).

A page is addressed by the sort value and id of the row it ends at (or, going back, starts at), written
into its pager links as text, e.g. `2026-03-02T01:00:00Z,4711`. Every list writes and reads the same
format, so an address reads alike everywhere and one parser decides what a link may hold.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def cursors_from(args: Mapping[str, str], *, dated: bool = False) -> tuple[Cursor | None, Cursor | None, bool]:
    """The `after` and `before` cursors of a pager link, and whether the link was unreadable: a mangled or
    out-of-range cursor, both at once, or (`dated`: a list whose every row has a sort value) one without a
    value. An unreadable link gives no cursor: the list shows its first page, and says so."""
    found: dict[str, Cursor | None] = {}
    bad = False
    for name in ("after", "before"):
        text = args.get(name)
        try:
            found[name] = Cursor.parse(text) if text else None
        except ValueError:
            found[name], bad = None, True
        if dated and found[name] is not None and found[name].value is None:
            found[name], bad = None, True
    if bad or (found["after"] and found["before"]):
        return None, None, True
    return found["after"], found["before"], False
