"""The one application clock.

Every timer in every diagram, every due date and every audit timestamp reads this clock. Production uses
real time; demo mode and tests move it forward (an offset, or a frozen instant), so years pass in
milliseconds. It sits below the models (which stamp times with it) and the engine (whose timers read it:
webapp/engine/timer_clock.py points SpiffWorkflow's timer module at it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The region's local time: a working day, a deadline's day and every date shown to people are counted in it.
CHINA = ZoneInfo("Asia/Shanghai")


class _State:
    def __init__(self, frozen: datetime | None = None) -> None:
        self.offset = timedelta(0)
        self.frozen = frozen


# A designer's trial run (webapp/designer/trial.py) moves time for its own throwaway world only: inside
# `clock.isolated()` this thread (context) reads and moves a clock of its own, so real requests and the
# sweeper in other threads keep the real time.
_isolated: ContextVar[_State | None] = ContextVar("isolated_clock", default=None)


class AppClock:
    def __init__(self) -> None:
        self._own = _State()

    @property
    def _state(self) -> _State:
        return _isolated.get() or self._own

    def now(self) -> datetime:
        state = self._state
        if state.frozen is not None:
            return state.frozen
        return datetime.now(UTC) + state.offset

    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime")
        self._state.frozen = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        state = self._state
        if state.frozen is not None:
            state.frozen += delta
        else:
            state.offset += delta

    @property
    def offset(self) -> timedelta:
        return self._state.offset

    def set_offset(self, offset: timedelta) -> None:
        self._state.offset = offset

    def reset(self) -> None:
        state = self._state
        state.offset = timedelta(0)
        state.frozen = None

    @contextmanager
    def isolated(self, at: datetime) -> Iterator[None]:
        """A clock of this context's own, frozen at `at`, until the block ends (other threads unaffected)."""
        if at.tzinfo is None:
            raise ValueError("isolated() needs an aware datetime")
        token = _isolated.set(_State(frozen=at.astimezone(UTC)))
        try:
            yield
        finally:
            _isolated.reset(token)


clock = AppClock()
