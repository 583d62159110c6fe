"""Several sweeper processes over one database (issue 10, item 5; `--sweepers-database URL`, meant for
PostgreSQL): the same number of lifecycles come due at once, and 1, then 2, … `flask sweep`-like processes
start together, each running tasks.sweep.sweep_once() until nothing is left. The figure is timers fired per
second of wall time, from the common start to the last process's end; the timer events written are counted
too, so double work (two sweepers firing one case) would show. Each count runs on a fresh schema (created in
the empty database given, and dropped again at the end: the database is left as it was found)."""

from __future__ import annotations

import contextlib
import json
import os
import select as select_module
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, inspect, select

from webapp.clock import clock
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import AuditEvent, ProcessInstance
from webapp.simulation import recognised_space_now

from .accounts import add_people
from .world import START, bench_app

HEAD_START = 1.0  # seconds for every process to be forked and connected before the common start
TIMEOUT = 300.0  # seconds a race may take before its processes are killed (a full run takes a few)


@dataclass
class ParallelSweep:
    processes: int
    fired: list[int]  # per process
    events: int  # timer events in the histories: equals sum(fired) when no case was fired twice
    seconds: float

    @property
    def per_second(self) -> float:
        return sum(self.fired) / self.seconds if self.seconds else 0.0


def parallel_rates(url: str, instances: int, counts: tuple[int, ...] = (1, 2)) -> tuple[str, list[ParallelSweep]]:
    """(the database's name and version, one figure per process count). Refuses a database with tables: it
    creates the schema there and drops it again, so it must drop nothing it did not create."""
    with tempfile.TemporaryDirectory(prefix="bench-sweepers-") as name:
        app = bench_app(url, Path(name))
        figures: list[ParallelSweep] = []
        created = False
        try:
            for count in counts:
                with app.app_context():
                    if not created and (tables := inspect(db.engine).get_table_names()):
                        raise RuntimeError(f"the sweepers' database must be empty; it has {', '.join(tables[:4])}")
                    if created:
                        db.drop_all()  # the previous race's schema
                    db.create_all()
                    created = True
                    due_at = _due_lifecycles(app, instances)
                    database = f"{db.engine.dialect.name} {'.'.join(map(str, db.engine.dialect.server_version_info))}"
                    db.session.remove()
                    db.engine.dispose()  # no connection may cross a fork
                figures.append(_race(app, count, due_at))
        finally:
            with app.app_context():
                if created:
                    db.drop_all()
                db.session.remove()
                db.engine.dispose()
            clock.reset()
    return database, figures


def _due_lifecycles(app, instances: int):
    """In the new schema, `instances` spaces recognised on one day; returns the moment their first
    half-year period is due (the clock is left there)."""
    deploy(read_directory(app.config["BPMN_DIR"]), note="benchmark")
    db.session.commit()
    clock.freeze(START)
    people = add_people()
    for n in range(instances):
        organisation = people.organisations[n % len(people.organisations)]
        recognised_space_now(f"基准空间{n}", organisation, people.unit_of[organisation])
    first = db.session.scalar(select(func.min(ProcessInstance.next_timer_at)))
    clock.freeze(first + timedelta(days=1))
    return clock.now()


def _race(app, count: int, now) -> ParallelSweep:
    from tasks.sweep import sweep_once

    read, write = os.pipe()
    start_at = time.time() + HEAD_START
    children = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:  # a sweeper: its own connections, the frozen clock inherited
            code = 1
            try:
                os.close(read)
                with app.app_context():
                    clock.freeze(now)
                    db.session.execute(select(1))  # connected before the start
                    time.sleep(max(0.0, start_at - time.time()))
                    fired = sweep_once()
                    os.write(write, (json.dumps({"fired": fired, "ended": time.time()}) + "\n").encode())
                    db.session.remove()
                code = 0
            except BaseException:
                traceback.print_exc()  # os._exit below would end the process before Python printed it
                sys.stderr.flush()
            finally:
                os._exit(code)
        children.append(pid)
    os.close(write)
    try:
        reports = [json.loads(line) for line in _lines(read, start_at + TIMEOUT)]
    except BaseException:
        _kill(children)
        raise
    failed = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 for pid in children)
    if failed or len(reports) != count:
        raise RuntimeError(f"{failed or count - len(reports)} of {count} sweeper processes failed")
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timer"))
        db.session.remove()
        db.engine.dispose()
    return ParallelSweep(count, [r["fired"] for r in reports], events,
                         max(r["ended"] for r in reports) - start_at)


def _lines(fd: int, deadline: float) -> list[str]:
    """The lines written to the pipe until every writer has closed it; TimeoutError after `deadline`."""
    received = b""
    with os.fdopen(fd, "rb") as pipe:
        while True:
            if not select_module.select([pipe], [], [], max(0.0, deadline - time.time()))[0]:
                raise TimeoutError(f"the sweepers did not finish within {TIMEOUT:.0f} s")
            chunk = os.read(pipe.fileno(), 65536)
            if not chunk:
                return received.decode().splitlines()
            received += chunk


def _kill(children: list[int]) -> None:
    """End the sweepers still running (after a timeout or a failure here) and wait for them."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
