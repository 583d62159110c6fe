#!/usr/bin/env python3
"""Check that the Chinese catalog translates every message of the template.

Exits 0 when every msgid of webapp/translations/messages.pot has a non-empty, non-fuzzy msgstr in
webapp/translations/zh/LC_MESSAGES/messages.po whose %(name)s placeholders match the msgid's;
otherwise lists the offending msgids on stderr and exits 1 (2 when a file is missing).

Usage: scripts/check_catalog.py [--pot PATH] [--po PATH]
Importable: problems(pot_path, po_path) returns the list of (msgid, reason) pairs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "webapp" / "translations" / "messages.pot"
PO = ROOT / "webapp" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _key(message):
    return (message.id, message.context)


def _strings(string) -> list[str]:
    return list(string) if isinstance(string, (tuple, list)) else [string]


def problems(pot_path: Path = POT, po_path: Path = PO) -> list[tuple[str, str]]:
    template = _read(pot_path)
    catalog = _read(po_path, locale="zh")
    translated = {_key(m): m for m in catalog if m.id}
    found: list[tuple[str, str]] = []
    for message in template:
        if not message.id:  # the header
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        entry = translated.get(_key(message))
        if entry is None:
            found.append((msgid, "missing"))
            continue
        strings = _strings(entry.string)
        if not strings or any(not (s or "").strip() for s in strings):
            found.append((msgid, "empty"))
        elif entry.fuzzy:
            found.append((msgid, "fuzzy"))
        elif any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(msgid)) for s in strings):
            found.append((msgid, "placeholders differ"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pot", type=Path, default=POT)
    parser.add_argument("--po", type=Path, default=PO)
    args = parser.parse_args(argv)
    for path in (args.pot, args.po):
        if not path.is_file():
            print(f"not found: {path}", file=sys.stderr)
            return 2
    found = problems(args.pot, args.po)
    if found:
        print(f"{len(found)} message(s) of {args.pot.name} not translated in {args.po}:", file=sys.stderr)
        for msgid, reason in found:
            print(f"  [{reason}] {msgid!r}", file=sys.stderr)
        return 1
    total = sum(1 for m in _read(args.pot) if m.id)
    print(f"ok: all {total} messages translated in {args.po.relative_to(ROOT) if args.po.is_relative_to(ROOT) else args.po}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
