"""The kill -9 script (scripts/crash_test.py) in CI, with 20 rounds instead of 140: on SQLite in the normal
pass, on PostgreSQL in `scripts/with-postgres` (a database of its own on the throwaway server). Each round
kills the production server mid-traffic and the sweeper mid-sweep, then checks that no completion was lost
or doubled, that task rows match the engine state and that no timer fired twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_twenty_kill_rounds_lose_and_double_nothing():
    database = "postgres" if os.environ.get("MAKERSPACE_TEST_DATABASE_URL") else "sqlite"
    # one gunicorn worker: each round restarts the server, and CI's two cores boot one worker and the
    # sweeper side by side; the full run (README) uses two
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "crash_test.py"), "--rounds", "20", "--database", database,
         "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    report = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, report
    assert "20 rounds in" in result.stdout and "no lost or doubled work, no timer fired twice" in result.stdout, report
