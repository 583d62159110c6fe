"""Web-test fixtures: demo-like accounts in two organisations and two units, and logged-in clients."""

from __future__ import annotations

import io
import os
import re
from datetime import date

import pytest
from werkzeug.security import generate_password_hash

from tests.conftest import START, fresh_database, make_app
from webapp.clock import clock
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import Organisation, Unit, User
from webapp.rounds.service import open_round

from .i18n_guard import Recorder

PASSWORD = "pw-123456"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that logs in and carries the CSRF token like a real browser form would."""

    def __init__(self, app, username: str | None):
        self.app = app
        self.client = app.test_client()
        self.username = username
        if username:
            self.post("/login", {"username": username, "password": PASSWORD}, from_page="/login")

    def token(self, page: str) -> str:
        html = self.get(page).get_data(as_text=True)
        match = TOKEN.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1) or match.group(2)

    def _request(self, method: str, url: str, **kw):
        # Each request gets its own app context (fresh `g`, its own DB session), as in production;
        # otherwise the test's outer context would share the logged-in user and CSRF token between clients.
        with self.app.app_context():
            response = getattr(self.client, method)(url, **kw)
        db.session.expire_all()
        return response

    def get(self, url: str):
        return self._request("get", url)

    def post(self, url: str, data: dict, from_page: str | None = None, csrf: bool = True, **kw):
        data = dict(data)
        if csrf:
            data["csrf_token"] = self.token(from_page or url)
        return self._request("post", url, data=data, content_type="multipart/form-data", **kw)


@pytest.fixture(autouse=True)
def i18n_guard():
    """Every web test fails if a flashed message, an error page or a form error was shown in English
    while the locale was Chinese (issue 6 B1; the rule is explained in i18n_guard.py)."""
    recorder = Recorder()
    with recorder.listening():
        yield recorder
    if missing := recorder.untranslated():
        pytest.fail("untranslated in the Chinese UI:\n  " + "\n  ".join(missing), pytrace=False)


@pytest.fixture
def world(app):
    """Two units, an organisation in each, and one account per role (plus a second applicant/recommender)."""
    hohhot = Unit(code="hohhot", name="呼和浩特市科技局", kind="bureau")
    baotou = Unit(code="baotou", name="包头市科技局", kind="bureau")
    imu = Unit(code="imu", name="内蒙古大学", kind="university")
    db.session.add_all([hohhot, baotou, imu])
    db.session.flush()
    org_a = Organisation(name="青城创客科技有限公司", unit_id=hohhot.id)
    org_b = Organisation(name="鹿城众创孵化服务有限公司", unit_id=baotou.id)
    db.session.add_all([org_a, org_b])
    db.session.flush()
    accounts = {
        "applicant_a": dict(role="applicant", organisation_id=org_a.id, unit_id=hohhot.id),
        "applicant_b": dict(role="applicant", organisation_id=org_b.id, unit_id=baotou.id),
        "recommender_a": dict(role="recommender", unit_id=hohhot.id),
        "recommender_b": dict(role="recommender", unit_id=baotou.id),
        "torch1": dict(role="torch_center"),
        "torch2": dict(role="torch_center"),
        "approver": dict(role="approver"),
        "supervisor": dict(role="supervisor"),
        "designer": dict(role="designer"),
        # expert_conflict works for the applicant's own organisation: never on its panel
        "expert_conflict": dict(role="expert", organisation_id=org_a.id, unit_id=hohhot.id),
        "expert1": dict(role="expert", unit_id=imu.id),
        "expert2": dict(role="expert", unit_id=imu.id),
        "expert3": dict(role="expert", unit_id=baotou.id),
        "expert4": dict(role="expert", unit_id=imu.id),
    }
    users = {}
    cheap_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast tests; prod uses scrypt
    for username, fields in accounts.items():
        user = User(username=username, display_name=username, email=f"{username}@example.test", **fields)
        user.password_hash = cheap_hash
        db.session.add(user)
        users[username] = user
    db.session.flush()
    # Open from the test clock's start (2026-03-02) through the end of 2026, for every unit.
    open_round(title="2026年第一批", year=2026, batch=1, opens_on=date(2026, 3, 2), closes_on=date(2026, 12, 31),
               unit_ids=[hohhot.id, baotou.id, imu.id], user=users["approver"])
    db.session.commit()
    return {"users": users, "org_a": org_a, "org_b": org_b, "hohhot": hohhot, "baotou": baotou}


@pytest.fixture
def login(app, world):
    cache: dict[str, Browser] = {}

    def _login(username: str | None) -> Browser:
        if username not in cache:
            cache[username] = Browser(app, username)
        return cache[username]

    return _login


def pdf(name: str = "file.pdf", size: int = 2048):
    return (io.BytesIO(b"%PDF-1.4\n" + b"0" * size), name)


@pytest.fixture
def space_id(world):
    """A space of organisation A recognised today, its lifecycle running (tests/web/lifecycle.py)."""
    from .lifecycle import make_recognised_space

    return make_recognised_space(world)


@pytest.fixture
def file_app(tmp_path):
    """Concurrency needs real connections to one database (in-memory SQLite is one connection):
    PostgreSQL when the tests run against it, else an SQLite file."""
    if os.environ.get("MAKERSPACE_TEST_DATABASE_URL"):
        app = make_app(tmp_path)
    else:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'race.db'}",
                       SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 30}})
    with app.app_context():
        fresh_database()
        deploy(read_directory(app.config["BPMN_DIR"]))
        db.session.commit()
    clock.freeze(START)
    yield app
    clock.reset()
