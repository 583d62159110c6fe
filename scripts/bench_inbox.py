#!/usr/bin/env python3
"""The inbox and list queries alone, without HTTP, with their query plans: what the database does for
the pages `scripts/bench` times over HTTP (a thin wrapper over its seeding, scripts/benchlib/seed.py).

    .venv/bin/python scripts/bench_inbox.py --cases 100000 [--database-url URL] [--repeat 30]

Fills a fresh database (a temporary SQLite file unless --database-url names an empty one), then times
each role's inbox query and the applications list and prints the query plan of the Torch Center's inbox,
so a reader sees whether the indexes serve the filter and the sort.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

USERS = ("qingcheng", "hohhot_bureau", "torch1", "expert3", "approver", "supervisor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as name:
        run(args, Path(name))


def run(args: argparse.Namespace, directory: Path) -> None:
    url = args.database_url or f"sqlite:///{directory / 'bench.db'}"

    from benchlib.seed import seed_database
    from benchlib.world import bench_app
    from sqlalchemy import select, text

    from webapp.access import applications_query, inbox_query
    from webapp.extensions import db
    from webapp.inbox.listing import inbox_page
    from webapp.models import User

    app = bench_app(url, directory)
    with app.app_context():
        seconds = seed_database(app, args.cases)
        print(f"{args.cases:,} cases written in {seconds:.1f} s ({db.engine.dialect.name})")

        def timed(label: str, query) -> None:
            samples = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                rows = db.session.scalars(query).all()
                samples.append((time.perf_counter() - started) * 1000)
                db.session.expunge_all()
            print(f"{label:<46} {len(rows):>5} rows  median {statistics.median(samples):7.2f} ms  "
                  f"max {max(samples):7.2f} ms")

        users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(USERS)))}
        for name in USERS[:-1]:
            samples = []
            for _ in range(args.repeat):  # what the page runs: counts per step, then one keyset page
                started = time.perf_counter()
                page = inbox_page(users[name])
                samples.append((time.perf_counter() - started) * 1000)
                db.session.expunge_all()
            print(f"{'inbox page of ' + name + ' (' + users[name].role + ')':<46} {len(page.rows):>5} rows  "
                  f"median {statistics.median(samples):7.2f} ms  max {max(samples):7.2f} ms  ({page.total:,} open)")
        timed("applications list (recommender), 50 rows", applications_query(users["hohhot_bureau"]).limit(50))
        query = inbox_query(users["torch1"]).limit(50)
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        print("\nplan of inbox_query for the Torch Center (unpaged; the page itself reads index ranges, tests/web/test_inbox_paging.py):")
        for row in db.session.execute(text(explain + sql)):
            print("  ", " | ".join(str(c) for c in row))


if __name__ == "__main__":
    main()
