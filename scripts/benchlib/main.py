"""`scripts/bench`: every figure of issue 10 in one run, side by side, each beside its target."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    completions: int  # cases per layer (runtime, HTTP) for each diagram
    repeats: int  # lifecycle operations per checkpoint
    sweep_instances: int
    cases: int  # for the inbox and list figures
    requests: dict[int, int]  # clients → GETs per client and page


QUICK = Plan(completions=5, repeats=5, sweep_instances=30, cases=2_000, requests={1: 8, 8: 3})
FULL = Plan(completions=30, repeats=30, sweep_instances=200, cases=100_000, requests={1: 40, 8: 20})


def _parse(argv: list[str] | None) -> tuple[Plan, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=(
        "Issue 10's figures in one run: task completion (bare engine step, Runtime.complete, HTTP), saved state "
        "sizes, the lifecycle over 10 simulated years, SQL statements per POST, inboxes and the instance list "
        "under gunicorn at 1 and 8 clients beside a static file, and the sweeper's timers per second. Figures "
        "are printed, not asserted: the exit status is 0 whatever they are."))
    parser.add_argument("--quick", action="store_true", help="small numbers (CI): one to two minutes on 2 cores")
    parser.add_argument("--cases", type=int, help="cases for the inbox and list figures (default 100,000; quick 2,000)")
    parser.add_argument("--skip-lists", action="store_true", help="leave out the inbox and list figures")
    parser.add_argument("--sql", action="store_true", help="also print the SQL statements of each counted POST")
    parser.add_argument("--lists-database", metavar="URL", help=(
        "the inbox and list figures on this empty database (e.g. PostgreSQL: scripts/with-postgres sh -c "
        "'scripts/bench --lists-database $MAKERSPACE_TEST_DATABASE_URL') instead of a throwaway SQLite file; "
        "it is filled and left filled"))
    parser.add_argument("--sweepers-database", metavar="URL", help=(
        "also time 1 and 2 sweeper processes side by side on this empty database (PostgreSQL: their row locks "
        "share the work out), besides the SQLite file every run times them on; a schema is created there for "
        "each and dropped at the end"))
    args = parser.parse_args(argv)
    for option, url in (("--lists-database", args.lists_database), ("--sweepers-database", args.sweepers_database)):
        if url and (tables := _tables_in(url)):  # never made-up cases into real data
            parser.error(f"{option} must name an empty database; this one has tables ({', '.join(tables[:4])}…)")
    plan = QUICK if args.quick else FULL
    if args.cases:
        plan = Plan(plan.completions, plan.repeats, plan.sweep_instances, args.cases, plan.requests)
    return plan, args


def _tables_in(url: str) -> list[str]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _step(what: str, action: Callable[[], T]) -> T:
    print(f"  {what} …", end="", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = action()
    print(f" {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    plan, args = _parse(argv)
    from . import completion, lifecycle, lists, rows, sqlcount, states, sweeper, sweepers
    from .machine import description
    from .report import render
    from .server import worker_count
    from .world import world

    began = time.perf_counter()
    sections = []
    print(f"scripts/bench{' --quick' if args.quick else ''}: measuring (progress on stderr)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        run = Path(name)
        with world(run / "completion") as w:
            sql = _step("SQL statements per POST", lambda: sqlcount.statements_per_post(w))
            trivial = _step("trivial diagram: bare, runtime, HTTP",
                            lambda: completion.trivial_layers(w, plan.completions))
            recognition = _step("recognition step: bare, runtime, HTTP",
                                lambda: completion.recognition_layers(w, plan.completions))
            sizes = _step("recognition state at every step", lambda: states.recognition_sizes(w))
            trivial_bytes = states.trivial_size(w)
        with world(run / "lifecycle") as w:
            years = _step("lifecycle over 10 simulated years", lambda: lifecycle.lifecycle_years(w, plan.repeats))
        with world(run / "sweeper") as w:
            sweep = _step(f"sweeper over {plan.sweep_instances} due lifecycles",
                          lambda: sweeper.sweep_rate(w, plan.sweep_instances))
        # Side by side on a SQLite file of their own (every run), and on the database given (before the lists,
        # which may fill the same database and leave it filled).
        parallel = [_step(f"1 and 2 sweepers over {2 * plan.sweep_instances} due lifecycles{where}",
                          lambda url=url: sweepers.parallel_rates(url, 2 * plan.sweep_instances))
                    for url, where in ((f"sqlite:///{run / 'sweepers.db'}", ", SQLite"),
                                       (args.sweepers_database, ", the database given")) if url]
        sections += [rows.completion_section(trivial, recognition),
                     rows.state_section(trivial_bytes, sizes, years), rows.lifecycle_section(years),
                     rows.sql_section(sql)]
        if not args.skip_lists:
            figures = _step(f"inbox and list at {plan.cases:,} cases under gunicorn",
                            lambda: lists.list_figures(plan.cases, plan.requests, database_url=args.lists_database))
            sections.append(rows.list_section(figures, worker_count()))
        sections.append(rows.sweeper_section(sweep))
        for database, sweeps in parallel:
            sections.append(rows.parallel_section(database, 2 * plan.sweep_instances, sweeps))
    print(f"\nscripts/bench{' --quick' if args.quick else ''} — issue 10's figures (printed, not asserted)")
    for line in description():
        print(line)
    render(sections)
    if args.sql:
        for label, sent in sql.items():
            print(f"\n-- the {len(sent)} statements of the task POST: {label}")
            for n, statement in enumerate(sent, 1):
                print(f"{n:3}. {' '.join(statement.split())[:300]}")
    print(f"\n(whole run {time.perf_counter() - began:.0f} s)")
    return 0
