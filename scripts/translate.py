#!/usr/bin/env python3
"""Fill Chinese translations into the zh catalog: `scripts/translate.py FILE.json` with {msgid: msgstr}.

After `pybabel extract` + `pybabel update`, new msgids arrive empty; this writes the given ones.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "webapp/translations/zh/LC_MESSAGES/messages.po"


def main(path: str) -> None:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh")
    for msgid, msgstr in translations.items():
        message = catalog.get(msgid)
        if message is None:
            print(f"not in catalog: {msgid}", file=sys.stderr)
            continue
        message.string = msgstr
        message.flags.discard("fuzzy")
    with PO.open("wb") as f:
        write_po(f, catalog, width=100)


if __name__ == "__main__":
    main(sys.argv[1])
