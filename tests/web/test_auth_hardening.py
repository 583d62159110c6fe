"""Authentication findings of the outside probe (issue 9): sessions ended server-side, log-in throttling,
no timing difference between known and unknown names, argon2id, session fixation and CSRF rotation at
log-in, and serving behind TLS and proxies. Each test fails on the code before the fix."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import url_for
from sqlalchemy import event, select
from werkzeug.security import generate_password_hash

from webapp.config import Config
from webapp.extensions import db
from webapp.models import User

from ..conftest import fresh_database, make_app
from .conftest import PASSWORD, Browser

NEW_PASSWORD = "a-new-password-2026"
LOCKED = "登录失败次数过多"
ROOT = Path(__file__).resolve().parents[2]


def saved_cookie(browser: Browser) -> str:
    return browser.client.get_cookie("session").value


def with_cookie(app, value: str) -> Browser:
    """Another browser carrying a copy of a saved session cookie (what a thief would replay)."""
    other = Browser(app, None)
    other.client.set_cookie("session", value)
    return other


def signed_in(browser: Browser) -> bool:
    response = browser.get("/")
    return response.status_code == 200 and "/logout" in response.get_data(as_text=True)


def try_login(browser: Browser, username: str, password: str, **kw):
    return browser.post("/login", {"username": username, "password": password}, from_page="/login", **kw)


def flashes(response) -> list[str]:
    return re.findall(r'<div class="flash [a-z]+" role="alert">([^<]*)</div>', response.get_data(as_text=True))


# --- 1. sessions end on the server -------------------------------------------------------------------


def test_a_cookie_saved_before_logout_opens_nothing_after_it(app, world):
    browser, at_home = Browser(app, "applicant_a"), Browser(app, "applicant_a")
    cookie = saved_cookie(browser)
    assert signed_in(with_cookie(app, cookie))  # a copy works while the session lives
    assert browser.post("/logout", {}, from_page="/").status_code == 302
    replay = with_cookie(app, cookie).get("/applications")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert signed_in(at_home)  # the person's other browser has a session of its own


def test_a_password_change_logs_out_every_other_browser_and_keeps_this_one(app, world):
    here, elsewhere = Browser(app, "applicant_a"), Browser(app, "applicant_a")
    stolen = saved_cookie(here)
    page = here.get("/").get_data(as_text=True)
    assert 'href="/password"' in page and "修改密码" in page  # the header links to the page
    response = here.post("/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                       "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert "密码已修改" in " ".join(flashes(here.get("/")))
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert not signed_in(with_cookie(app, stolen))  # this browser's own cookie from before the change too
    assert try_login(Browser(app, None), "applicant_a", PASSWORD).status_code == 200  # old one refused
    assert signed_in(_logged_in(app, "applicant_a", NEW_PASSWORD))


def _logged_in(app, username: str, password: str) -> Browser:
    browser = Browser(app, None)
    assert try_login(browser, username, password).status_code == 302
    return browser


@pytest.mark.parametrize("fields, message", [
    ({"current_password": "not-the-password", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
     "当前密码不正确"),
    ({"current_password": PASSWORD, "new_password": "short1", "confirm_password": "short1"}, "至少需要 12 个字符"),
    ({"current_password": PASSWORD, "new_password": " " * 12, "confirm_password": " " * 12}, "请填写此项"),
    ({"current_password": PASSWORD, "new_password": "x" * 129, "confirm_password": "x" * 129}, "新密码过长"),
    ({"current_password": PASSWORD, "new_password": " a" * 6 + " " * 6, "confirm_password": " a" * 6 + " " * 6},
     "至少需要 12 个字符"),
    ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"},
     "两次输入的新密码不一致"),
])
def test_a_password_change_is_refused_with_the_reason(app, world, fields, message):
    browser = Browser(app, "expert1")
    response = browser.post("/password", fields)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert signed_in(browser)
    assert try_login(Browser(app, None), "expert1", PASSWORD).status_code == 302  # unchanged


def test_an_operator_sets_a_password_from_the_command_line_and_ends_the_sessions(app, world):
    browser = Browser(app, "approver")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["set-password", "approver"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "1 session(s) ended" in result.output
    assert not signed_in(browser)
    _logged_in(app, "approver", NEW_PASSWORD)
    assert runner.invoke(args=["set-password", "nobody"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n").exit_code != 0
    short = runner.invoke(args=["set-password", "approver"], input="short\nshort\n")
    assert short.exit_code != 0 and "12 to 128" in short.output


def test_the_user_loader_is_one_query_and_refuses_expired_sessions_and_disabled_accounts(app, world):
    from webapp.auth.sessions import load_user, start_session
    from webapp.models import UserSession

    user = world["users"]["recommender_a"]
    with app.test_request_context():
        token = start_session(user)
        db.session.commit()
        db.session.expire_all()
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert load_user(token).id == user.id
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(statements) == 1, statements
        assert load_user("made-up") is None and load_user(str(user.id)) is None  # an old cookie held the id
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        assert load_user(token) is None
    browser = Browser(app, "recommender_b")
    world["users"]["recommender_b"].active = False
    db.session.commit()
    assert not signed_in(browser)  # a disabled account's sessions stop at once


# --- 2. throttling -------------------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_is_refused_while_the_lock_lasts(app, world):
    browser = Browser(app, None)
    answers = [try_login(browser, "torch1", f"guess-{n}") for n in range(40)]
    assert all(a.status_code in (200, 429) for a in answers)
    assert answers[3].status_code == 200 and answers[5].status_code == 429  # five failures lock the account
    right = try_login(browser, "torch1", PASSWORD)
    assert right.status_code == 429 and not signed_in(browser)
    message = " ".join(flashes(right))
    assert LOCKED in message and "15 分钟" in message, message  # says to wait, and roughly how long
    assert 0 < int(right.headers["Retry-After"]) <= 15 * 60
    # Someone else at the same address is not affected by this account's lock.
    _logged_in(app, "torch2", PASSWORD)


def test_the_lock_reads_the_same_for_an_account_that_does_not_exist(app, world):
    real, made_up = Browser(app, None), Browser(app, None)
    for n in range(6):
        real_answer = try_login(real, "expert2", f"guess-{n}")
        made_up_answer = try_login(made_up, "no-such-expert", f"guess-{n}")
        assert real_answer.status_code == made_up_answer.status_code
        assert flashes(real_answer) == flashes(made_up_answer)
    assert real_answer.status_code == 429


def test_failures_in_a_row_lock_but_a_successful_login_clears_the_count(app, world):
    browser = Browser(app, None)
    for _round in range(3):  # a person who mistypes now and then is never locked out
        for n in range(4):
            assert try_login(browser, "expert3", f"guess-{n}").status_code == 200
        assert try_login(browser, "expert3", PASSWORD).status_code == 302
        browser.post("/logout", {}, from_page="/")
    for n in range(5):
        try_login(browser, "expert3", f"guess-{n}")
    assert try_login(browser, "expert3", PASSWORD).status_code == 429


def test_failures_from_one_address_over_many_names_lock_that_address(app, world):
    app.config["LOGIN_ADDRESS_LIMIT"] = "3 per 15 minutes"
    browser = Browser(app, None)
    for name in ("expert1", "expert2", "nobody"):
        try_login(browser, name, "wrong-password")
    answer = try_login(browser, "supervisor", PASSWORD)  # an account never tried before
    assert answer.status_code == 429 and LOCKED in " ".join(flashes(answer))


def from_address(address: str) -> dict:
    """The client address as the production proxy reports it (MAKERSPACE_PROXY_FIX=1 trusts one proxy)."""
    return {"headers": {"X-Forwarded-For": address}}


def test_wrong_passwords_from_one_address_do_not_lock_the_account_for_its_owner_elsewhere(app_with):
    """Anyone could lock any account for 15 minutes with five wrong passwords from anywhere: the lock was per
    account. The short lock now holds for the account at the address that failed; the owner, elsewhere, logs in."""
    app = app_with(PROXY_FIX=1)
    attacker, owner = Browser(app, None), Browser(app, None)
    answers = [try_login(attacker, "alice", f"guess-{n}", **from_address("203.0.113.7")).status_code
               for n in range(10)]
    assert answers[:4] == [200] * 4 and answers[5:] == [429] * 5  # the attacker's address is locked out
    assert try_login(owner, "alice", PASSWORD, **from_address("198.51.100.9")).status_code == 302
    assert signed_in(owner)
    # and the attacker's own lock still holds, the right password included
    answer = try_login(attacker, "alice", PASSWORD, **from_address("203.0.113.7"))
    assert answer.status_code == 429 and LOCKED in " ".join(flashes(answer))


def test_the_account_is_locked_for_everyone_after_twenty_failures_from_many_addresses(app_with):
    """Guessing spread over many addresses (one or two guesses each) still meets a ceiling per account: 20
    failures in 15 minutes, from wherever, lock the account everywhere until the oldest leaves the window."""
    app = app_with(PROXY_FIX=1)
    guesser = Browser(app, None)
    for n in range(19):
        assert try_login(guesser, "alice", f"guess-{n}", **from_address(f"203.0.113.{n + 1}")).status_code == 200
    # 19 failures: the owner still gets in (and a success does not forgive the failures seen elsewhere)
    owner = Browser(app, None)
    assert try_login(owner, "alice", PASSWORD, **from_address("198.51.100.9")).status_code == 302
    assert try_login(guesser, "alice", "guess-19", **from_address("203.0.113.20")).status_code == 429
    answer = try_login(Browser(app, None), "alice", PASSWORD, **from_address("192.0.2.50"))
    assert answer.status_code == 429 and LOCKED in " ".join(flashes(answer))
    assert 14 * 60 < int(answer.headers["Retry-After"]) <= 15 * 60
    # Other accounts are not affected by alice's ceiling.
    assert try_login(Browser(app, None), "nobody-else", "guess", **from_address("192.0.2.50")).status_code == 200


# Another server process (as under gunicorn, whose workers are processes of their own) on the same database.
FIVE_FAILURES_IN_ANOTHER_PROCESS = """
import sys
from pathlib import Path
from tests.conftest import make_app
from tests.web.conftest import Browser
app = make_app(Path(sys.argv[1]), SQLALCHEMY_DATABASE_URI=sys.argv[2])
with app.app_context():
    browser = Browser(app, None)
    print(*(browser.post("/login", {"username": "alice", "password": f"guess-{n}"}, from_page="/login").status_code
            for n in range(5)))
"""


def test_failures_seen_by_another_server_process_lock_the_account_here_too(app_with, tmp_path):
    """Each worker counting on its own would give an attacker five guesses per worker; the count is kept in
    the database, so it holds across processes (and machines) with no other service."""
    url = os.environ.get("MAKERSPACE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'shared.db'}"
    app = app_with(SQLALCHEMY_DATABASE_URI=url)
    other = subprocess.run([sys.executable, "-c", FIVE_FAILURES_IN_ANOTHER_PROCESS, str(tmp_path), url], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert other.returncode == 0, other.stderr
    assert other.stdout.split() == ["200", "200", "200", "200", "429"]  # locked there after five
    answer = try_login(Browser(app, None), "alice", PASSWORD)
    assert answer.status_code == 429 and LOCKED in " ".join(flashes(answer))
    assert 14 * 60 < int(answer.headers["Retry-After"]) <= 15 * 60


# --- 3 and 4. hashing ------------------------------------------------------------------------------------


@pytest.fixture
def verify_calls(monkeypatch):
    calls = []
    real = PasswordHasher.verify

    def spy(self, hash, password):
        calls.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return calls


@pytest.mark.parametrize("username", ["expert4", "no-such-user", "disabled"])
def test_every_name_costs_one_password_hash_whether_or_not_the_account_exists(app, world, verify_calls, username):
    """The probe timed 103 ms for an existing name and 5 ms for an unknown one: only existing accounts had
    their hash checked. Now every attempt checks exactly one argon2id hash."""
    for name in ("expert4", "disabled"):
        user = world["users"].get(name) or User(username=name, display_name=name, role="expert", active=False)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.commit()
    answer = try_login(Browser(app, None), username, "not-the-password" if username == "expert4" else PASSWORD)
    assert answer.status_code == 200 and "用户名或密码错误" in " ".join(flashes(answer))
    assert len(verify_calls) == 1


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters(app, world):
    app.config.update(ARGON2_TIME_COST=Config.ARGON2_TIME_COST, ARGON2_MEMORY_KIB=Config.ARGON2_MEMORY_KIB,
                      ARGON2_PARALLELISM=Config.ARGON2_PARALLELISM)
    user = world["users"]["designer"]
    user.set_password(NEW_PASSWORD)
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$.+", user.password_hash)
    assert match, user.password_hash
    memory, time_cost, lanes = map(int, match.groups())
    assert memory >= 19 * 1024 and time_cost >= 2 and lanes >= 1  # OWASP's minimum for argon2id
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)


@pytest.mark.parametrize("old_hash", [
    generate_password_hash(PASSWORD, method="scrypt"),  # what the app stored before (N=2^15)
    generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
    PasswordHasher(time_cost=1, memory_cost=256, parallelism=1).hash(PASSWORD),  # argon2id, weaker than now
])
def test_an_older_hash_is_upgraded_at_the_next_successful_login(app, world, old_hash):
    user = world["users"]["applicant_b"]
    user.password_hash = old_hash
    db.session.commit()
    try_login(Browser(app, None), "applicant_b", "wrong-password")
    db.session.refresh(user)
    assert user.password_hash == old_hash  # a failed attempt changes nothing
    _logged_in(app, "applicant_b", PASSWORD)
    db.session.refresh(user)
    assert user.password_hash.startswith(f"$argon2id$v=19$m={app.config['ARGON2_MEMORY_KIB']},"
                                         f"t={app.config['ARGON2_TIME_COST']},p=")
    _logged_in(app, "applicant_b", PASSWORD)  # and the same password still opens it


# --- 5. session fixation and the CSRF token ---------------------------------------------------------------


def test_login_starts_a_new_session_and_a_new_csrf_token(app, world):
    browser = Browser(app, None)
    before_login = browser.token("/login")
    with browser.client.session_transaction() as session:
        session["planted"] = "by whoever handed this browser its cookie"
    response = browser.client.post("/login", data={"username": "approver", "password": PASSWORD,
                                                    "csrf_token": before_login})
    assert response.status_code == 302
    with browser.client.session_transaction() as session:
        assert "planted" not in session
    stale = browser.client.post("/logout", data={"csrf_token": before_login})
    assert stale.status_code == 400  # the token of the anonymous page no longer counts
    assert signed_in(browser)


# --- 6. TLS and proxies -----------------------------------------------------------------------------------


@pytest.fixture
def app_with(tmp_path):
    """An app with settings of the test's choosing and one account, `alice`."""
    made = []

    def _make(**overrides):
        app = make_app(tmp_path, **overrides)
        context = app.app_context()
        context.push()
        made.append(context)
        fresh_database()
        alice = User(username="alice", display_name="Alice", role="supervisor",
                     password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
        db.session.add(alice)
        db.session.commit()
        return app

    yield _make
    for context in made:
        db.session.remove()
        context.pop()


def test_behind_tls_cookies_are_secure_urls_https_and_hsts_is_sent(app_with):
    app = app_with(HTTPS=True)
    browser = Browser(app, None)
    page = browser.get("/login")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Requests are https now, so flask-wtf also wants a same-site Referer, as a browser sends it.
    response = try_login(browser, "alice", PASSWORD, headers={"Referer": "https://localhost/login"})
    assert response.status_code == 302
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert "Strict-Transport-Security" in browser.get("/no-such-page").headers  # error pages too
    with app.test_request_context():
        assert url_for("auth.login", _external=True).startswith("https://")


def test_behind_a_proxy_each_client_address_is_throttled_on_its_own(app_with):
    app = app_with(PROXY_FIX=1, LOGIN_ADDRESS_LIMIT="3 per 15 minutes", LOGIN_ACCOUNT_LIMIT="100 per 15 minutes")
    browser = Browser(app, None)
    attacker, colleague = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.9"}
    for n in range(3):
        try_login(browser, "alice", f"guess-{n}", headers=attacker)
    assert try_login(browser, "alice", PASSWORD, headers=attacker).status_code == 429
    assert try_login(browser, "alice", PASSWORD, headers=colleague).status_code == 302


def test_without_either_setting_plain_http_works_and_forwarded_headers_are_not_trusted(app, world):
    browser = Browser(app, None)
    assert "Strict-Transport-Security" not in browser.get("/login").headers
    response = try_login(browser, "torch1", PASSWORD)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Secure" not in cookie  # a Secure cookie would never come back over plain http
    app.config.update(LOGIN_ADDRESS_LIMIT="3 per 15 minutes")
    browser = Browser(app, None)
    for n in range(3):
        try_login(browser, "expert1", f"guess-{n}", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    answer = try_login(browser, "torch1", PASSWORD, headers={"X-Forwarded-For": "198.51.100.9"})
    assert answer.status_code == 429
