"""Filters for free text that must stay on one line: names (a space, an objector) end up in notification
texts, mail subjects, page titles and file names, where a line break or an invisible control character
does harm (a mail header split in two, a name that reads differently from what it is)."""

from __future__ import annotations

import unicodedata

# Control and format characters (CR/LF, tab, NUL, bidi overrides, zero-width characters) and the Unicode
# line and paragraph separators.
_BREAKING = {"Cc", "Cf", "Zl", "Zp"}


def single_line(value):
    """A WTForms filter: `value` on one line — each line break, tab or other control/format character
    becomes a space, runs of spaces become one, and the ends are trimmed. Non-strings pass unchanged."""
    if not isinstance(value, str):
        return value
    cleaned = "".join(" " if unicodedata.category(ch) in _BREAKING else ch for ch in value)
    return " ".join(cleaned.split())
