"""Filters for free text. One-line text: names (a space, an objector) end up in notification
texts, mail subjects, page titles and file names, where a line break or an invisible control character
does harm (a mail header split in two, a name that reads differently from what it is). Text of several lines
(reasons, comments) keeps its line breaks but loses the invisible characters that change how it reads."""

from __future__ import annotations

import unicodedata

from wtforms import TextAreaField

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


# In text of several lines: the line breaks stay; the Unicode line and paragraph separators become plain ones.
_LINE_BREAKS = {"\u2028": "\n", "\u2029": "\n"}
_KEPT_CONTROLS = {"\n", "\r", "\t"}
_ZWJ = "\u200d"  # joins the parts of an emoji or a ligature: kept between two visible characters


def multi_line(value):
    """A WTForms filter for text of several lines (reasons, comments): the line breaks and tabs stay; the
    invisible format characters go — a right-to-left override (U+202E) in an objection's reasons reversed
    the rest of the line shown to the staff, and the other bidi controls, zero-width spaces and the byte
    order mark mislead alike — as do control characters other than line breaks and tabs. A zero-width joiner
    stays where it joins two visible characters. Non-strings pass unchanged."""
    if not isinstance(value, str):
        return value
    kept = []
    for i, ch in enumerate(value):
        if ch in _LINE_BREAKS:
            kept.append(_LINE_BREAKS[ch])
        elif ch == _ZWJ:
            if 0 < i < len(value) - 1 and not value[i - 1].isspace() and not value[i + 1].isspace():
                kept.append(ch)
        elif ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cf"):
            kept.append(ch)
    return "".join(kept)


class MultiLineTextMeta:
    """A form's Meta that gives every text area the multi_line filter, so no form of several-line text can
    forget it (TaskForm and the objection forms use it)."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, TextAreaField):
            field.filters = (*field.filters, multi_line)
        return field
