#!/usr/bin/env python3
"""Benchmark: inbox and list queries with many cases (rows only: inboxes never read engine state).

    .venv/bin/python scripts/bench_inbox.py --cases 100000 [--database-url URL]

Fills a fresh database (a temporary SQLite file unless --database-url is given) with --cases process
instances spread over all recommending units, one open human task each (a third of them expert tasks
with assignees), then times each role's inbox query and the applications list and prints the query
plan of one, so a reader sees whether the indexes are used. Timing goals are checked here, not in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    os.environ["MAKERSPACE_DATABASE_URL"] = url

    from bench_seed import seed_cases
    from sqlalchemy import select, text

    from webapp import create_app
    from webapp.access import applications_query, inbox_query
    from webapp.extensions import db
    from webapp.models import User

    app = create_app()
    with app.app_context():
        seconds = seed_cases(app, args.cases)
        print(f"{args.cases} cases written in {seconds:.1f} s ({db.engine.dialect.name})")

        def timed(label, query):
            samples = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                rows = db.session.scalars(query).all()
                samples.append((time.perf_counter() - t) * 1000)
                db.session.expunge_all()
            print(f"{label:<34} {len(rows):>5} rows  median {statistics.median(samples):7.2f} ms  "
                  f"max {max(samples):7.2f} ms")

        users = {u.username: u for u in db.session.scalars(select(User))}
        for name in ("qingcheng", "hohhot_bureau", "torch1", "expert3", "approver"):
            user = users[name]
            timed(f"inbox of {name} ({user.role})", inbox_query(user).limit(200))
        timed("applications list (recommender)", applications_query(users["hohhot_bureau"]).limit(500))
        sql = str(inbox_query(users["hohhot_bureau"]).limit(200).compile(db.engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        print("\nplan of the recommender's inbox:")
        for row in db.session.execute(text(explain + sql)):
            print("  ", " | ".join(str(c) for c in row))


if __name__ == "__main__":
    main()
