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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    os.environ["MAKERSPACE_DATABASE_URL"] = url

    from sqlalchemy import insert, select, text

    from webapp import create_app
    from webapp.access import applications_query, inbox_query
    from webapp.demo import seed
    from webapp.engine.clock import clock
    from webapp.engine.definitions import deploy, read_directory
    from webapp.extensions import db
    from webapp.models import (
        Application,
        ApplicationRound,
        HumanTask,
        Organisation,
        ProcessInstance,
        Unit,
        User,
    )

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        bundle = deploy(read_directory(app.config["BPMN_DIR"]))
        from webapp import demo_history

        demo_history.seed_history = lambda today: None  # accounts and units only
        demo_history.seed_applications = lambda: None
        seed()
        db.session.commit()
        units = db.session.scalars(select(Unit)).all()
        orgs = [Organisation(name=f"运营机构{i}", unit_id=units[i % len(units)].id) for i in range(500)]
        db.session.add_all(orgs)
        db.session.flush()
        experts = [u.id for u in db.session.scalars(select(User).where(User.role == "expert"))]
        round_id = db.session.scalar(select(ApplicationRound.id))
        now = clock.now()
        started = time.perf_counter()
        batch = 5000
        lanes = ["applicant", "recommender", "torch_center", "expert", "approver"]
        for start in range(0, args.cases, batch):
            ids = range(start + 1, min(start + batch, args.cases) + 1)
            org = [orgs[i % len(orgs)] for i in ids]
            db.session.execute(insert(Application), [
                {"id": i, "round_id": round_id, "organisation_id": o.id, "unit_id": o.unit_id,
                 "space_name": f"众创空间{i}", "status": "in_review", "facts": {}, "created_at": now}
                for i, o in zip(ids, org, strict=True)])
            db.session.execute(insert(ProcessInstance), [
                {"id": i, "bundle_id": bundle.id, "process_id": "recognition", "process_name": "众创空间认定",
                 "subject_type": "application", "subject_id": i, "subject_title": f"众创空间{i}",
                 "organisation_id": o.id, "unit_id": o.unit_id, "status": "running", "state": "{}",
                 "serializer_version": "1.5", "created_at": now, "updated_at": now, "lock_version": 1,
                 "current_step": "评审"} for i, o in zip(ids, org, strict=True)])
            db.session.execute(insert(HumanTask), [
                {"instance_id": i, "task_guid": f"00000000-0000-0000-0000-{i:012d}", "task_spec": "t",
                 "title": "评审", "lane": lanes[i % 5], "form_key": "", "organisation_id": o.id, "unit_id": o.unit_id,
                 "assignee_id": experts[i % len(experts)] if lanes[i % 5] == "expert" else None,
                 "status": "open" if i % 4 else "completed", "created_at": now}
                for i, o in zip(ids, org, strict=True)])
            db.session.execute(text("UPDATE application SET instance_id = id WHERE instance_id IS NULL"))
            db.session.commit()
        print(f"{args.cases} cases written in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")

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
