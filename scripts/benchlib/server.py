"""The production server for the list figures: `scripts/serve` (gunicorn, webapp/gunicorn_conf.py, its
default number of workers) over a database the benchmark filled, on a free local port."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def production_server(database_url: str, directory: Path) -> Iterator[str]:
    """Start gunicorn, wait until every worker serves, yield the base URL; SIGTERM at the end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERSPACE_") or k == "MAKERSPACE_WORKERS"}
    env.update(MAKERSPACE_DATABASE_URL=database_url, MAKERSPACE_SECRET_KEY="benchmark-only",
               MAKERSPACE_UPLOAD_DIR=str(directory / "uploads"), MAKERSPACE_BIND=f"127.0.0.1:{port}",
               MAKERSPACE_LOG_LEVEL="INFO")  # a line per request, into the log file: which worker answered
    log = directory / "serve.log"
    with open(log, "w") as stderr:
        server = subprocess.Popen([str(ROOT / "scripts" / "serve")], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(server, base, log)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def worker_count() -> int:
    """How many workers webapp/gunicorn_conf.py starts here (MAKERSPACE_WORKERS, else 2 x CPUs + 1)."""
    from webapp import gunicorn_conf

    return gunicorn_conf.workers


def _wait_ready(server: subprocess.Popen, base: str, log: Path, seconds: float = 180) -> None:
    """Until every worker has answered a page (each imports the app when it starts; one still importing
    would take CPU from the requests timed). Not /readyz: a migration added by a branch in progress makes
    it answer 503, and the pages measured here don't depend on that."""
    deadline = time.monotonic() + seconds
    while len(_answering_workers(log)) < worker_count():
        if server.poll() is not None:
            raise RuntimeError(f"the server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every worker started:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=5):  # logged (probes are not)
                pass
        except OSError:
            time.sleep(0.3)


def _answering_workers(log: Path) -> set[int]:
    """The processes that logged a request (the app's JSON line per request names its pid)."""
    pids = set()
    for line in log.read_text().splitlines():
        if '"webapp.request"' in line:
            with contextlib.suppress(ValueError, KeyError):
                pids.add(json.loads(line)["pid"])
    return pids
