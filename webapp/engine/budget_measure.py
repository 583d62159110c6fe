"""Measuring diagram code's values against the size budget, and the errors of the budgets (budget.py).

Split from budget.py; budget.py re-exports everything here, so callers import from budget.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .budget import Budget

# Nesting deeper than this is refused: hashing a deeply nested tuple recurses in C without a guard.
MAX_DEPTH = 100
# A duration longer than this many months is refused: SpiffWorkflow adds up month lengths one by one.
MAX_DURATION_MONTHS = 12 * 1000


class DiagramScriptError(Exception):
    """A script or expression in a diagram is not allowed or does not compile."""


class DiagramBudgetExceeded(DiagramScriptError):
    """Diagram code ran past its time budget or would have built a value past its size budget."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "time" or "size"


# ---- measuring ---------------------------------------------------------------------------------------

_NoneType = type(None)
_SCALARS = (int, float, bool, _NoneType, complex)
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_CONTAINERS = (list, tuple, set, frozenset)


def weight(value: Any, limit: int, budget: Budget | None = None) -> int:
    """About how many bytes `value` takes when written out (as text or JSON), counting a part shared by
    several places each time. Stops as soon as the count passes `limit` (so its cost is bounded by the
    limit, not by the value); anything nested deeper than MAX_DEPTH counts as too large."""
    kind = type(value)
    if kind is str or kind is bytes:
        return len(value)
    if kind is int:
        return 8 + (value.bit_length() >> 3)
    if kind is float or kind is bool or value is None:
        return 8
    total, visited = 0, 0
    stack = [(value, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        item, depth = pop()
        kind = type(item)
        if kind not in _CONTAINERS and kind is not dict and isinstance(item, (*_CONTAINERS, dict)):
            kind = dict if isinstance(item, dict) else list  # a subclass: measured like its base
        if kind in _CONTAINERS or kind is dict:
            if depth >= MAX_DEPTH:
                return limit + 1
            pairs = kind is dict
            total += 16 + (16 if pairs else 8) * len(item)
            if total > limit:
                return total
            for part in (_dict_parts(item) if pairs else item):
                part_kind = type(part)
                if part_kind is str or part_kind is bytes:
                    total += len(part)
                    if total > limit:
                        return total
                elif part_kind is int:
                    total += 8 + (part.bit_length() >> 3)
                elif part_kind is float or part_kind is bool or part is None:
                    total += 8
                else:
                    push((part, depth + 1))
        elif isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, int):
            total += 8 + (item.bit_length() >> 3)
        else:
            total += 64  # an object of its own (a date, a function…): its text is short
        if total > limit:
            return total
        visited += 1
        if budget is not None and not visited & 1023:
            budget.check()
    return total


def _dict_parts(mapping: dict):
    for key, value in mapping.items():
        yield key
        yield value


def duration_months(text: str) -> float:
    """The calendar months an ISO 8601 duration (or repeating interval) names, the part SpiffWorkflow
    counts month by month; 0 for text that is no duration."""
    months = 0.0
    for part in text.upper().split("/"):
        part = part.strip()
        if not part.startswith("P"):
            continue
        dates = part[1:].split("T", 1)[0]
        for number, unit in _DURATION_PART.findall(dates):
            try:
                value = float(number)
            except ValueError:
                continue
            months += value * 12 if unit == "Y" else value if unit == "M" else 0
    return months


_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)([YMWD])")
_DURATION_LIKE = re.compile(r"\s*(?:R\d*/)?(?:[^/]*/)?P\d", re.IGNORECASE)


def check_duration(text: str) -> None:
    if duration_months(text) > MAX_DURATION_MONTHS:
        raise DiagramBudgetExceeded("size", f"size budget exceeded: the duration {text[:60]!r} is longer than "
                                            f"{MAX_DURATION_MONTHS // 12} years")
