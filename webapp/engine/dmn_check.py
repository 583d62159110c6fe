"""Overlap check for UNIQUE decision tables, run at deploy.

SpiffWorkflow's UNIQUE hit policy returns the first matching rule and never notices a second one
(engine-notes.md). A designer who moves one grade band and forgets its neighbour would silently change
results; this refuses such a table instead. Cells are understood when they are '-', a comparison with a
number (`>= 85`, `< 50`), a range (`70 <= ? < 85`), a number, True/False or a quoted string; two rules
overlap when every column's conditions can hold at once. A pair with a cell not understood is skipped.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from itertools import combinations

from lxml import etree

ANY = "any"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    low_closed: bool
    high_closed: bool

    def meets(self, other: Interval) -> bool:
        low, low_closed = max((self.low, self.low_closed), (other.low, other.low_closed),
                              key=lambda b: (b[0], not b[1]))
        high, high_closed = min((self.high, self.high_closed), (other.high, other.high_closed),
                                key=lambda b: (b[0], b[1]))
        return low < high or (low == high and low_closed and high_closed)


_OPS = {">=": (True, None), ">": (False, None), "<=": (None, True), "<": (None, False)}
_RANGE = re.compile(r"^(-?[\d.]+)\s*(<=|<)\s*\?\s*(<=|<)\s*(-?[\d.]+)$")
_COMPARE = re.compile(r"^(>=|>|<=|<)\s*(-?[\d.]+)$")


def parse_cell(text: str | None):
    """ANY, an Interval, a frozenset of literal values, or None when not understood."""
    text = (text or "").strip()
    if text in ("", "-"):
        return ANY
    if match := _RANGE.match(text):
        low, low_op, high_op, high = match.groups()
        return Interval(float(low), float(high), low_op == "<=", high_op == "<=")
    if match := _COMPARE.match(text):
        op, number = match.groups()
        value = float(number)
        if op.startswith(">"):
            return Interval(value, math.inf, op == ">=", False)
        return Interval(-math.inf, value, False, op == "<=")
    try:
        literal = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    if isinstance(literal, bool | str):
        return frozenset([literal])
    if isinstance(literal, int | float):
        return Interval(float(literal), float(literal), True, True)
    return None


def _cells_meet(a, b) -> bool | None:
    if a is None or b is None:
        return None
    if a == ANY or b == ANY:
        return True
    if isinstance(a, Interval) and isinstance(b, Interval):
        return a.meets(b)
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        return bool(a & b)
    return False  # a number against a literal: different kinds never both hold


def overlaps(dmn_root: etree._Element) -> list[str]:
    """Human-readable descriptions of overlapping rule pairs in the UNIQUE tables of one DMN file."""
    found = []
    for table in dmn_root.iter("{*}decisionTable"):
        if (table.get("hitPolicy") or "UNIQUE").upper() != "UNIQUE":
            continue
        decision = table.getparent().get("id")
        rules = []
        for number, rule in enumerate(table.findall("{*}rule"), start=1):
            cells = [parse_cell(entry.findtext("{*}text")) for entry in rule.findall("{*}inputEntry")]
            rules.append((number, rule.findtext("{*}description") or rule.get("id"), cells))
        for (n1, d1, c1), (n2, d2, c2) in combinations(rules, 2):
            meets = [_cells_meet(a, b) for a, b in zip(c1, c2, strict=False)]
            if None not in meets and all(meets):
                found.append(f"{decision}: rules {n1} ({d1}) and {n2} ({d2}) can both match")
    return found
