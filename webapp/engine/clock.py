"""The one application clock.

Every timer in every diagram, every due date and every audit timestamp reads this clock. Production uses
real time; demo mode and tests move it forward (an offset, or a frozen instant), so years pass in
milliseconds. SpiffWorkflow 3.2 has no injectable clock: its timer module calls datetime.now() itself,
so install() points that module's `datetime` at a subclass that asks this clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class AppClock:
    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return datetime.now(UTC) + self._offset

    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime")
        self._frozen = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        if self._frozen is not None:
            self._frozen += delta
        else:
            self._offset += delta

    @property
    def offset(self) -> timedelta:
        return self._offset

    def set_offset(self, offset: timedelta) -> None:
        self._offset = offset

    def reset(self) -> None:
        self._offset = timedelta(0)
        self._frozen = None


clock = AppClock()


class _ClockedDatetime(datetime):
    """datetime whose now() is the application clock (only SpiffWorkflow's timer module sees it)."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def install() -> None:
    _spiff_timer.datetime = _ClockedDatetime


install()
