"""The timer sweeper's pace (tasks/sweep.py): many spaces recognised on the same day, their lifecycles
each waiting for the first half-year report period; half a year later one sweep fires them all. The
figure is timers fired per second of the sweep's wall time (one instance claimed, advanced and committed
at a time, as in production)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import ProcessInstance
from webapp.simulation import recognised_space_now

from .world import World


@dataclass
class SweepFigures:
    instances: int
    fired: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.fired / self.seconds if self.seconds else 0.0


def sweep_rate(world: World, instances: int) -> SweepFigures:
    from tasks.sweep import sweep_once

    people = world.people
    for n in range(instances):
        organisation = people.organisations[n % len(people.organisations)]
        recognised_space_now(f"基准空间{n}", organisation, people.unit_of[organisation])
    first = db.session.scalar(select(func.min(ProcessInstance.next_timer_at)).where(
        ProcessInstance.process_id == "space_lifecycle"))
    clock.advance(first - clock.now() + timedelta(days=1))
    db.session.expire_all()
    started = time.perf_counter()
    fired = sweep_once()
    seconds = time.perf_counter() - started
    return SweepFigures(instances, fired, seconds)
