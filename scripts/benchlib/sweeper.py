"""The timer sweeper's pace (tasks/sweep.py): many spaces recognised on the same day, their lifecycles
each waiting for the first half-year report period; half a year later one sweep fires them all. The
figure is timers fired per second of the sweep's wall time (one instance claimed, advanced and committed
at a time, as in production). Within the same sweep, the time spent in SpiffWorkflow's part of each timer is
added up: restoring the saved state, the engine steps (which run the diagram's service tasks) and dumping
the new state; the rest is the app's (the claim, task rows, notices, history, the writes and the commit)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import func, select

from webapp.clock import clock
from webapp.engine import runtime, state
from webapp.extensions import db
from webapp.models import ProcessInstance
from webapp.simulation import recognised_space_now

from .world import World


@dataclass
class SweepFigures:
    instances: int
    fired: int
    seconds: float
    engine_seconds: float  # of `seconds`: restore, engine steps and dump

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
    spent = [0.0]
    with _timed(runtime, "restore", spent), _timed(state, "dump", spent), \
            _timed(BpmnWorkflow, "do_engine_steps", spent):
        started = time.perf_counter()
        fired = sweep_once()
        seconds = time.perf_counter() - started
    return SweepFigures(instances, fired, seconds, spent[0])


@contextmanager
def _timed(owner: object, name: str, spent: list[float]) -> Iterator[None]:
    """`owner.name` adds its wall time to spent[0] while inside (the runtime calls these three through their
    module or class, so they are found there)."""
    original: Callable = getattr(owner, name)

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - began

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)
