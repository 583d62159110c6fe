"""The one table `scripts/bench` prints: per section, each figure beside its ratio and its target."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    label: str
    figure: str  # e.g. "15.5 / 17.0 ms" (median / p95), "94.1 kB", "11"
    ratio: str = ""  # e.g. "18.6x bare"
    target: str = ""  # e.g. "<= 8x bare"
    met: bool | None = None  # None: no target, or nothing to compare


@dataclass
class Section:
    title: str
    rows: list[Row]
    note: str = ""


def ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


def spread(median: float, p95: float, unit: str = "ms") -> str:
    return f"{ms(median)} / {ms(p95)} {unit}"


def times(value: float, of: str = "") -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.1f}x {of}".rstrip() if value < 100 else f"{value:,.0f}x {of}".rstrip()


def kilobytes(size: int) -> str:
    return f"{size / 1000:.1f} kB"


def check(value: float, limit: float, at_least: bool = False) -> bool | None:
    """Whether a figure meets its target (None when there is no figure)."""
    if math.isnan(value):
        return None
    return value >= limit if at_least else value <= limit


WIDTHS = (46, 28, 18, 22)


def render(sections: list[Section], write: Callable[[str], None] = print) -> None:
    header = ("figure", "value", "ratio", "target")
    line = "  ".join(h.ljust(w) for h, w in zip(header, WIDTHS, strict=True)) + "  met"
    for section in sections:
        write("")
        write(f"== {section.title} ==")
        write(line)
        for row in section.rows:
            cells = (row.label, row.figure, row.ratio, row.target)
            verdict = {True: "yes", False: "NO", None: ""}[row.met]
            write("  ".join(c.ljust(w) for c, w in zip(cells, WIDTHS, strict=True)) + "  " + verdict)
        if section.note:
            write(f"   ({section.note})")
