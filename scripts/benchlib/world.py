"""A throwaway app for the in-process sections: a fresh SQLite file, bpmn/ deployed together with the
trivial diagram, the demo's people, the app clock frozen (years pass in milliseconds), and browsers that
post forms through the Flask app the way a person's browser does."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from webapp import create_app
from webapp.clock import clock
from webapp.demo import PASSWORD
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from . import trivial
from .accounts import People, add_people, people

# A Monday morning in China, as in the tests: working-day arithmetic is easy to follow.
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def bench_app(database_url: str, directory: Path) -> Flask:
    """The production configuration (argon2 costs, CSRF, no TESTING) over the given database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark-only",
                      "UPLOAD_DIR": str(directory / "uploads")})
    logging.getLogger("webapp.request").setLevel(logging.WARNING)  # no line per request on the terminal
    return app


@dataclass
class World:
    app: Flask
    people: People
    directory: Path

@contextmanager
def world(directory: Path) -> Iterator[World]:
    """A world of its own (in `directory`, which must not exist yet), so that one section's timers never
    fire in another's. The first world's fresh database (schema, definitions, people) is kept beside it as
    a template and copied for the next: deploying checks every diagram, which takes seconds."""
    template = directory.parent / "template.db"
    directory.mkdir()
    if template.exists():
        shutil.copyfile(template, directory / "bench.db")
    app = bench_app(f"sqlite:///{directory / 'bench.db'}", directory)
    with app.app_context():
        clock.freeze(START)
        try:
            if not template.exists():
                db.create_all()
                files = read_directory(app.config["BPMN_DIR"])
                files[trivial.FILE_NAME] = trivial.bpmn_xml()
                deploy(files, note="benchmark")
                db.session.commit()
                add_people()
                db.session.remove()  # every connection closed: the WAL is in the file before it is copied
                db.engine.dispose()
                shutil.copyfile(directory / "bench.db", template)
            yield World(app, people(), directory)
        finally:
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
            clock.reset()


class Browser:
    """One logged-in person: a test client with its cookie jar and the page's CSRF token. Each request
    runs in an app context of its own (its own database session), as in production."""

    def __init__(self, app: Flask, username: str):
        self.app = app
        self.client = app.test_client()
        response = self.request("post", "/login", data={
            "csrf_token": self._token("/login"), "username": username, "password": PASSWORD})
        assert response.status_code == 302, f"log-in of {username} failed"
        self.csrf = self._token("/")  # the session's token: valid for every later form

    def request(self, method: str, url: str, **kwargs):
        response = self.send(method, url, **kwargs)
        db.session.expire_all()  # the caller's session sees what the request wrote
        return response

    def send(self, method: str, url: str, **kwargs):
        """The request alone, what a timing measures: the caller's own bookkeeping (`settle`) comes after."""
        with self.app.app_context():
            return getattr(self.client, method)(url, **kwargs)

    def _token(self, url: str) -> str:
        match = TOKEN.search(self.request("get", url).get_data(as_text=True))
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url: str, data: dict, files: bool = False):
        """A form's POST as a browser sends it: urlencoded, or multipart when the form takes files."""
        response = self.send_form(url, data, files)
        self.settle()
        return response

    def send_form(self, url: str, data: dict, files: bool = False):
        """The POST alone (for timing it); call `settle` afterwards."""
        return self.send("post", url, data={**data, "csrf_token": self.csrf},
                         content_type="multipart/form-data" if files else "application/x-www-form-urlencoded")

    def settle(self) -> None:
        db.session.expire_all()  # the caller's session sees what the request wrote
        self.read_messages()

    def read_messages(self) -> None:
        """What a browser does next, untimed: it follows the redirect, whose page shows (and so removes)
        the flashed message. Without it the session cookie would carry every message of the run."""
        with self.client.session_transaction() as session:
            session.pop("_flashes", None)
