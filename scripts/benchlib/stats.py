"""Samples, percentiles and timing."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least p % of the samples at or below it."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timings:
    """Durations in milliseconds."""

    samples: list[float] = field(default_factory=list)

    @contextmanager
    def measure(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.samples.append((time.perf_counter() - started) * 1000)

    def extend(self, other: Timings) -> None:
        self.samples.extend(other.samples)

    @property
    def median(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def tail(self) -> float:
        """p95 / median: how far the slow requests are from the typical one."""
        return self.p95 / self.median if self.median else math.nan


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan
