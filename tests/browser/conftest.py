"""Browser-test fixtures: the real demo server in a subprocess, and Debian's Chromium for Playwright.

See docs in /work/shared/spec/browser-tests.md: `playwright install` cannot download browsers here, so
Playwright drives the system Chromium (`apt-get install -y chromium fonts-noto-cjk`). A missing browser
fails the tests; it never skips them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("MAKERSPACE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=zh-CN",  # the browser's own widgets (file pickers, date inputs) in Chinese: chromium-l10n
]
SERVER_START_TIMEOUT = 90  # seconds: tables, definitions and demo data are created at start


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(tmp: Path) -> dict:
    env = dict(os.environ)
    # Never fall back to the developer's instance/makerspace.db or instance/uploads, never send mail,
    # and never pick up another deployment's settings.
    for key in [k for k in env if k.startswith("MAKERSPACE_")]:
        del env[key]
    env.pop("PORT", None)
    env.update(
        MAKERSPACE_DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite'}",
        MAKERSPACE_UPLOAD_DIR=str(tmp / "uploads"),
        MAKERSPACE_DEMO="1",
        MAKERSPACE_SECRET_KEY="browser-test-only",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """`python -m webapp.serve` on 127.0.0.1 and a free port, with a fresh SQLite file; yields the base URL."""
    with demo_server(tmp_path_factory.mktemp("live-server")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, request):
    """A demo server for this test module alone (for tests that change what others rely on); yields its URL."""
    with demo_server(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])) as base_url:
        yield base_url


@contextmanager
def demo_server(tmp: Path):
    """A demo server of its own (fresh database in `tmp`), for a test that changes what others rely on."""
    port = _free_port()
    log_path = tmp / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115  (closed in the finally below)
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT, env=_server_env(tmp), stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{base_url}/login", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within {SERVER_START_TIMEOUT}s:\n"
                            f"{log_path.read_text(errors='replace')}")
            time.sleep(0.2)  # polling for the server start is the only wait by the clock
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium. If it is missing the test fails (never skips)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium fonts-noto-cjk` "
                    "(or point MAKERSPACE_CHROMIUM at it)", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
