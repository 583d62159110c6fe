"""Inboxes and the instance list over HTTP with many cases, under the production server, at 1 and at 8
concurrent clients, beside a static file served by the same server at the same concurrency. The first
page of each, as a person opens it (whatever paging the app does)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from webapp.extensions import db

from .client import Client, measure, warm_up
from .seed import seed_database
from .server import production_server, worker_count
from .stats import Timings
from .world import bench_app

STATIC: tuple[str, None, str] = ("static file (/static/app.css)", None, "/static/app.css")
ROUNDS = 5  # each page's requests in five rounds over the run
PAGES = [  # (label, user, path)
    ("inbox: applicant (qingcheng)", "qingcheng", "/"),
    ("inbox: recommender (hohhot_bureau)", "hohhot_bureau", "/"),
    ("inbox: Torch Center (torch1)", "torch1", "/"),
    ("inbox: expert (expert3)", "expert3", "/"),
    ("inbox: approver (approver)", "approver", "/"),
    ("instance list: supervisor", "supervisor", "/instances"),
]


@dataclass
class ListFigures:
    cases: int
    seed_seconds: float
    database: str  # e.g. "sqlite 3.40.1", "postgresql 15.10"
    timings: dict[tuple[str, int], Timings] = field(default_factory=dict)  # (label, clients) → timings
    page_bytes: dict[str, int] = field(default_factory=dict)


Page = tuple[str, str | None, str]  # label, user name (None: not logged in), path


def list_figures(cases: int, requests: dict[int, int], pages: list[Page] | None = None,
                 database_url: str | None = None) -> ListFigures:
    """`requests`: clients → GETs per client (e.g. {1: 40, 8: 10}); `pages`: (label, user, path), the
    static file always first; `database_url`: an empty database to fill (default: a throwaway SQLite file)."""
    pages = [STATIC, *(PAGES if pages is None else pages)]
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as name:
        directory = Path(name)
        url = database_url or f"sqlite:///{directory / 'lists.db'}"
        app = bench_app(url, directory)
        with app.app_context():
            seconds = seed_database(app, cases)
            database = f"{db.engine.dialect.name} {'.'.join(map(str, db.engine.dialect.server_version_info))}"
            db.session.remove()
            db.engine.dispose()
        figures = ListFigures(cases, seconds, database)
        with production_server(url, directory) as base:
            # One log-in per person (argon2 is slow on purpose); its concurrent clients share the session.
            clients = {user: Client(base, user) for _, user, _ in pages}
            for label, user, path in pages:
                figures.page_bytes[label] = len(clients[user].get(path).encode("utf-8"))
                warm_up(clients[user], path, worker_count())
            # In rounds, each page's requests spread over the whole run: a slow spell of the machine falls on
            # the static file and on every page alike instead of on whichever was being measured.
            for count, per_client in sorted(requests.items()):
                rounds = ROUNDS if per_client % ROUNDS == 0 else 1
                for _ in range(rounds):
                    for label, user, path in pages:
                        timings = figures.timings.setdefault((label, count), Timings())
                        timings.extend(measure([clients[user]] * count, path, per_client // rounds))
                        time.sleep(0.1)  # let the previous page's stragglers finish
        return figures
