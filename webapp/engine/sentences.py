"""Sentences joined for people to read: one mark where two texts meet, never two.

The texts joined are often people's own (a return reason, an expert's comment) or a decision table's, and
these may already end their sentence; a template or a join that adds its own 。 or ； then reads "…缺少 2 人。。请在…"
or "孵化绩效差。；基本合格". Plain text in, plain text out; below the engine, so notices, task templates and
service tasks all join the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A text ending in one of these has ended its sentence (a clause, for ；): nothing more is added after it.
# The ASCII marks are there because people type them with the input method switched off.
ENDS = ("。", "；", "！", "？", "!", "?", ".")
# A 。 or ； that a template put right after a text's own end (ASCII ; is left alone: in HTML it ends an entity).
_AFTER_OWN_END = re.compile(r"([！？!?.])[。；]+")
_RUN = re.compile(r"[。；]{2,}")


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(ENDS)


def sentences(*parts: str) -> str:
    """Parts as sentences: empty parts left out, each but the last ended by one 。 unless it ends itself; the
    last is left open, as the callers' texts are."""
    kept = [part.strip() for part in parts if part and part.strip()]
    return "".join(part if part.endswith(ENDS) else part + "。" for part in kept[:-1]) + (kept[-1] if kept else "")


def ended(text: str) -> str:
    """The text as a whole sentence: 。 added unless it ends in a mark already."""
    text = text.strip()
    return text if not text or text.endswith(ENDS) else text + "。"


def joined(items: Iterable[str], mark: str = "；") -> str:
    """Items of a list in one text, `mark` between them, except after an item that already ends its sentence."""
    kept = [item.strip() for item in items if item and item.strip()]
    return "".join(item if item.endswith(ENDS) else item + mark for item in kept[:-1]) + (kept[-1] if kept else "")


def tidy(text: str) -> str:
    """A text a template already joined, with one mark where it put a second: 。。 and 。； read 。, ？。 reads ？,
    ；。 reads 。. The writer's own 。 inside a text is untouched, and so are marks like ？！ that no join adds."""
    text = _AFTER_OWN_END.sub(r"\1", text)
    return _RUN.sub(lambda run: "。" if "。" in run.group() else "；", text)


__all__ = ["ENDS", "ended", "ends_sentence", "joined", "sentences", "tidy"]
