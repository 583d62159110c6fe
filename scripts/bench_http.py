#!/usr/bin/env python3
"""Benchmark: pages over HTTP with many cases, at 1 and at 8 concurrent clients.

    .venv/bin/python scripts/bench_http.py --cases 100000 [--database-url URL] [--requests 40]

Seeds a fresh database (scripts/bench_seed.py; a temporary SQLite file unless --database-url is given),
serves the app on a local port, logs clients in through the login form and times, in the same run, a
trivial endpoint (/healthz: no database, no template) beside the instance list, the dashboard and the
inbox of a Torch Center member, a supervisor and a recommending unit. Prints median and 95th percentile
per page and concurrency. Timing goals are read here, not asserted in tests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PASSWORD = "demo12345"
PAGES = [  # (label, user, path)
    ("trivial endpoint /healthz", None, "/healthz"),
    ("instance list (torch1)", "torch1", "/instances"),
    ("instance list, overdue (supervisor)", "supervisor", "/instances?overdue=1"),
    ("instance list (recommender)", "hohhot_bureau", "/instances"),
    ("dashboard (supervisor)", "supervisor", "/dashboard"),
    ("dashboard (recommender)", "hohhot_bureau", "/dashboard"),
    ("inbox (torch1)", "torch1", "/"),
    ("inbox (recommender)", "hohhot_bureau", "/"),
]


class Client:
    """One logged-in browser: its own cookie jar, the login form's CSRF token."""

    def __init__(self, base: str, username: str | None):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if username:
            page = self.get("/login")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": PASSWORD}).encode()
            with self.opener.open(self.base + "/login", body) as response:
                assert "/login" not in response.url, f"login of {username} failed"

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            assert response.status == 200, (path, response.status)
            return response.read().decode("utf-8")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(base: str, user: str | None, path: str, clients: int, requests: int) -> list[float]:
    sessions = [Client(base, user) for _ in range(clients)]
    for session in sessions:
        session.get(path)  # warm-up: templates compiled, caches filled
    samples: list[float] = []
    lock = threading.Lock()

    def run(session: Client) -> None:
        for _ in range(requests):
            started = time.perf_counter()
            session.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                samples.append(elapsed)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, sessions))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=40, help="requests per client and page")
    args = parser.parse_args()
    os.environ["MAKERSPACE_DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    os.environ.setdefault("MAKERSPACE_SECRET_KEY", "benchmark-only")

    from bench_seed import seed_cases
    from werkzeug.serving import make_server

    from webapp import create_app
    from webapp.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        seconds = seed_cases(app, args.cases)
        print(f"{args.cases} cases written in {seconds:.1f} s ({db.engine.dialect.name})")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"served by werkzeug's threaded server at {base}; {args.requests} requests per client and page\n")
    print(f"{'page':<38} {'clients':>7} {'median ms':>10} {'p95 ms':>8}")
    for clients in (1, 8):
        for label, user, path in PAGES:
            samples = measure(base, user, path, clients, args.requests)
            print(f"{label:<38} {clients:>7} {statistics.median(samples):>10.1f} {percentile(samples, 95):>8.1f}")
    server.shutdown()


if __name__ == "__main__":
    main()
