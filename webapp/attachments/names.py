"""The name a file is shown and downloaded under: the user's own (Chinese kept), made harmless."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 255  # characters, as the column holds
MAX_EXTENSION = 16
# Control and format characters (CR/LF, NUL, tab, bidi overrides such as U+202E that make "exe.pdf"
# read backwards, zero-width characters) and the Unicode line/paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def clean_filename(name: str | None, fallback: str = "file") -> str:
    """The last path component of `name`, without control characters, trimmed, at most 255 characters
    with its extension kept. Never empty, never '.' or '..'."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = re.split(r"[/\\]", name)[-1]  # browsers on Windows send C:\Users\...\营业执照.pdf
    name = name.strip().rstrip(". ")  # trailing dots and spaces: ambiguous on Windows
    if not name.strip("."):
        return fallback
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= MAX_EXTENSION:
            name = stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME]
    return name


def extension_of(name: str) -> str:
    """The lower-case extension of a (cleaned) name, without the dot; '' if it has none."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def content_disposition(name: str) -> str:
    """`attachment` with the user's own name as RFC 6266/5987 `filename*` (UTF-8, percent-encoded: Chinese
    kept, nothing a header could misread) and a plain ASCII `filename` for old clients."""
    from urllib.parse import quote

    name = clean_filename(name)
    extension = extension_of(name)
    stem = name[: -len(extension) - 1] if extension else name

    def plain(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")

    ascii_name = (plain(stem) or "file") + (f".{plain(extension)}" if plain(extension) else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
