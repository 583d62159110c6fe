"""A trial run in a child process with limits, one at a time.

A draft's scripts run sandboxed but may still loop (`while True`) or build huge values inside one engine
step, which no step count can stop. So the trial runs in a spawned child process with a CPU-time and an
address-space limit, the parent waits a bounded time and kills it past that, and only one trial runs on a
server at once (each takes seconds of CPU). The report comes back pickled; the child's database (in memory)
dies with it.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading

from .trial import TrialSettings, run_trial
from .trial_report import TrialReport

CPU_SECONDS = 60  # the default of the app's TRIAL_CPU_SECONDS
SPAWN_SECONDS = 30  # a fresh interpreter imports the app before the trial starts
MEMORY_BYTES = 2 * 1024**3

_one_at_a_time = threading.BoundedSemaphore(1)


class TrialBusy(Exception):
    """Another trial is running on this server."""


class TrialStopped(Exception):
    """The trial went past its time or memory, or its process died: the draft probably loops."""


def cpu_seconds() -> int:
    from flask import current_app

    return int(current_app.config.get("TRIAL_CPU_SECONDS", CPU_SECONDS))


def _child(conn, files, process_id, answers, months, settings: TrialSettings, cpu: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    try:
        conn.send(("report", run_trial(files, process_id, answers, months, settings=settings)))
    except MemoryError:
        conn.send(("stopped", "memory"))
    finally:
        conn.close()


def run_limited(files: dict[str, str], process_id: str, answers: dict[str, dict] | None,
                months: int | None) -> TrialReport:
    if not _one_at_a_time.acquire(blocking=False):
        raise TrialBusy
    try:
        settings, cpu = TrialSettings.from_app(), cpu_seconds()
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(sender, files, process_id, answers, months, settings, cpu),
                                daemon=True)
        child.start()
        sender.close()
        try:
            if not receiver.poll(cpu + SPAWN_SECONDS):
                raise TrialStopped("time")
            kind, value = receiver.recv()
        except EOFError:  # the child died: CPU limit (SIGXCPU) or out of memory
            raise TrialStopped("died") from None
        finally:
            if child.is_alive():
                child.kill()
            child.join(5)
            receiver.close()
        if kind != "report":
            raise TrialStopped(value)
        return value
    finally:
        _one_at_a_time.release()
