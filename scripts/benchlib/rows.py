"""Figures into rows of the table, each beside its ratio and the issue's target (issue 10, "Targets")."""

from __future__ import annotations

from .completion import Layers
from .lifecycle import Checkpoint
from .lists import STATIC, ListFigures
from .report import Row, Section, check, kilobytes, spread, times
from .states import Sizes
from .stats import Timings, ratio
from .sweeper import SweepFigures
from .sweepers import ParallelSweep

TAIL = 2.0  # p95 <= 2x median for completions


def _tail_row(label: str, timings: Timings) -> Row:
    return Row(f"  {label}: p95 / median", "", times(timings.tail), f"<= {TAIL:g}x", check(timings.tail, TAIL))


def completion_section(trivial: Layers, recognition: Layers) -> Section:
    """The HTTP completion against both bare steps, each with its own verdict: the bare step in
    SpiffWorkflow's own serialized form (the issue's yardstick when it set the targets: the app saved that
    form then) and the one from the app's compact state (cheaper because the app keeps the definition out of
    the state, item 1)."""
    rows = []
    for name, layers, limit in (("trivial 4-task", trivial, 8.0), ("recognition step", recognition, 3.0)):
        stock, compact = layers.stock.median, layers.bare.median
        rows.append(Row(f"{name}: bare, SpiffWorkflow's form", spread(stock, layers.stock.p95)))
        rows.append(Row(f"{name}: bare, compact state", spread(compact, layers.bare.p95),
                        times(ratio(compact, stock), "own form")))
        rows.append(Row(f"{name}: Runtime.complete", spread(layers.runtime.median, layers.runtime.p95),
                        _both(layers.runtime.median, stock, compact)))
        rows.append(_tail_row("Runtime.complete", layers.runtime))
        http, http_compact = ratio(layers.http.median, stock), ratio(layers.http.median, compact)
        rows.append(Row(f"{name}: HTTP POST of the form", spread(layers.http.median, layers.http.p95),
                        times(http, "own form"), f"<= {limit:g}x bare", check(http, limit)))
        rows.append(Row("  HTTP POST against the compact bare step", "", times(http_compact, "compact"),
                        f"<= {limit:g}x bare", check(http_compact, limit)))
        rows.append(_tail_row("HTTP POST", layers.http))
    note = (f"medians of {trivial.http.n} and {recognition.http.n} completions per layer; the recognition step is "
            "the material review (材料完整性审核); ratios are of medians; \"a / b\": against the bare step in "
            "SpiffWorkflow's own form (definition embedded, as the issue measured) / from the compact state")
    return Section("Task completion (ms, median / p95)", rows, note)


def _both(value: float, stock: float, compact: float) -> str:
    return f"{times(ratio(value, stock)).rstrip('x')} / {times(ratio(value, compact))} bare"


def state_section(trivial_bytes: int, recognition: Sizes, years: list[Checkpoint]) -> Section:
    first = years[0]
    rows = [Row("trivial 4-task case (at its 2nd step)", kilobytes(trivial_bytes)),
            Row(f"recognition: largest over {recognition.steps} steps",
                f"{kilobytes(recognition.largest)} at {recognition.at_step}", "", "<= 16 kB",
                check(recognition.largest, 16_000))]
    for point in years:
        growth = ratio(point.state_bytes, first.state_bytes)
        later = point is not first
        rows.append(Row(f"lifecycle after {point.year} year{'s' if point.year > 1 else ''}",
                        f"{kilobytes(point.state_bytes)}, {point.tasks} tasks",
                        times(growth, f"year {first.year}") if later else "",
                        f"<= 1.3x year {first.year}" if later else "", check(growth, 1.3) if later else None))
    return Section("Saved state per case", rows)


def lifecycle_section(years: list[Checkpoint]) -> Section:
    first = years[0]
    rows = []
    for what, pick in (("report completion", lambda p: p.completion), ("timer fired", lambda p: p.timer)):
        for point in years:
            timings = pick(point)
            later = point is not first
            median, tail = ratio(timings.median, pick(first).median), ratio(timings.p95, pick(first).p95)
            rows.append(Row(f"{what}, year {point.year}", spread(timings.median, timings.p95),
                            f"{times(median)} / {times(tail)}" if later else "",
                            f"<= 1.3x year {first.year}" if later else "",
                            check(max(median, tail), 1.3) if later else None))
            rows.append(_tail_row(f"{what}, year {point.year}", timings))
    note = (f"each repeated {first.completion.n} times on the same state and rolled back; ratios: median / p95 "
            "against year 1")
    return Section("Lifecycle cost over the years (ms, median / p95)", rows, note)


def sql_section(statements: dict[str, list[str]]) -> Section:
    rows = []
    for label, sent in statements.items():
        ordinary = "panel" not in label
        rows.append(Row(f"task POST: {label}", str(len(sent)), "", "<= 12" if ordinary else "",
                        check(len(sent), 12) if ordinary else None))
    return Section("SQL statements per completion (over HTTP)", rows, "scripts/bench --sql lists them")


def list_section(figures: ListFigures, workers: int) -> Section:
    rows = []
    for clients, limit in ((1, 25.0), (8, 100.0)):
        static = figures.timings.get((STATIC[0], clients))
        if static is None:
            continue
        rows.append(Row(f"{STATIC[0]}, {clients} client{'s' if clients > 1 else ''}",
                        spread(static.median, static.p95)))
        for label in [label for label in figures.page_bytes if label != STATIC[0]]:
            timings = figures.timings[(label, clients)]
            against = ratio(timings.p95, static.p95)
            met = check(timings.p95, limit)
            met = met and check(against, 6.0) if met is not None else None
            rows.append(Row(f"{label} [{kilobytes(figures.page_bytes[label])}]",
                            spread(timings.median, timings.p95), times(against, "static"),
                            f"p95 <= {limit:g} ms, <= 6x", met))
    note = (f"{figures.cases:,} cases (seeded in {figures.seed_seconds:.0f} s), gunicorn with {workers} workers, "
            f"{figures.database}; ratio: p95 against the static file's p95 at the same concurrency; [first page's HTML]")
    return Section("Inbox and list, first page over HTTP (ms, p50 / p95)", rows, note)


def sweeper_section(sweep: SweepFigures) -> Section:
    rate = sweep.per_second
    rows = [Row("timers fired per second", f"{rate:,.0f} /s", f"{sweep.fired} in {sweep.seconds:.1f} s", ">= 500 /s",
                check(rate, 500, at_least=True))]
    if sweep.fired:
        each, engine = sweep.seconds * 1000 / sweep.fired, sweep.engine_seconds * 1000 / sweep.fired
        rows += [Row("  per timer fired", f"{each:.2f} ms"),
                 Row("  SpiffWorkflow's part (restore, run, dump)", f"{engine:.2f} ms",
                     f"{engine / each:.0%}; alone: {1000 / engine:,.0f} /s" if engine else "")]
    return Section("Timer sweeper (SQLite)", rows,
                   f"{sweep.instances} lifecycles whose first half-year period opens, fired by one sweep_once(); "
                   "SpiffWorkflow's part timed within the same sweep (the engine steps run the diagram's service tasks)")


def parallel_section(database: str, instances: int, figures: list[ParallelSweep]) -> Section:
    rows = []
    for figure in figures:
        fired = sum(figure.fired)
        rows.append(Row(f"{figure.processes} sweeper process{'es' if figure.processes > 1 else ''}",
                        f"{figure.per_second:,.0f} /s", " + ".join(map(str, figure.fired)),
                        "each case fired once", figure.events == fired == instances))
    if database.startswith("sqlite") and figures:  # the target is for SQLite: the best of the counts
        best = max(figures, key=lambda figure: figure.per_second)
        rows.append(Row("  the faster of them", f"{best.per_second:,.0f} /s", f"{best.processes} process{'es' if best.processes > 1 else ''}",
                        ">= 500 /s", check(best.per_second, 500, at_least=True)))
    return Section(f"Timer sweepers side by side ({database})", rows,
                   f"{instances} lifecycles due at once, swept by processes started together; timers fired per "
                   "second from the start to the last one's end; the ratio column: timers fired by each process; "
                   "each case fired once: as many timer events in the histories as cases, and as timers fired")
