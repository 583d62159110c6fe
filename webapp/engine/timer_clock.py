"""SpiffWorkflow's timers read the application clock.

SpiffWorkflow 3.2 has no injectable clock: its timer module calls datetime.now() itself, so install()
points that module's `datetime` at a subclass that asks webapp.clock (installed when the engine is imported).
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from webapp.clock import clock


class _ClockedDatetime(datetime):
    """datetime whose now() is the application clock (only SpiffWorkflow's timer module sees it)."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def install() -> None:
    _spiff_timer.datetime = _ClockedDatetime


install()
