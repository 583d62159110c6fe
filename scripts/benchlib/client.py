"""HTTP clients for the list figures: a logged-in browser (cookie jar, log-in through the form), whose GETs
are timed whole (connect, request, the full body read) from Python threads, several at once."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from webapp.demo import PASSWORD

from .stats import Timings

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Client:
    def __init__(self, base: str, username: str | None = None):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if username:
            token = TOKEN.search(self.get("/login")).group(1)
            body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": PASSWORD}).encode()
            with self.opener.open(self.base + "/login", body, timeout=60) as response:
                if "/login" in response.url:
                    raise RuntimeError(f"log-in of {username} failed")

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}")
            return response.read().decode("utf-8")


def warm_up(client: Client, path: str, workers: int) -> None:
    """Each server worker answers the page at least once, likely (its first answer compiles templates and
    fills caches): 2 GETs per worker, as many at once as there are workers."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda _: client.get(path), range(2 * workers)))


def measure(clients: list[Client], path: str, requests: int) -> Timings:
    """Every client GETs `path` `requests` times, all at once (a client listed twice runs twice: several
    tabs of one session)."""
    timings = Timings()
    lock = threading.Lock()

    def run(client: Client) -> None:
        own = Timings()
        for _ in range(requests):
            with own.measure():
                client.get(path)
        with lock:
            timings.extend(own)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(run, clients))
    return timings
