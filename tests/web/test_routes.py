"""Every page, every role: who gets in, who is refused."""

import subprocess
import sys
from pathlib import Path

import pytest

ROLES = ["applicant_a", "recommender_a", "torch1", "expert1", "approver", "supervisor", "designer"]
EVERYONE = set(ROLES)
STAFF = {"torch1", "approver", "supervisor"}
# url -> who may open it (everyone else gets 403; anonymous visitors are sent to log in)
PAGES = {
    "/": EVERYONE,
    "/applications": EVERYONE,
    "/applications/new": {"applicant_a"},
    "/spaces": EVERYONE,
    "/instances": STAFF,
    "/admin/definitions": {"designer", "supervisor", "torch1"},
    "/admin/holidays": {"torch1"},
    "/faults": {"supervisor", "designer"},  # runtime faults of the diagrams (issue 7, item 5)
    "/notifications": EVERYONE,
}


@pytest.mark.parametrize("url", sorted(PAGES))
@pytest.mark.parametrize("who", ROLES)
def test_page_access(login, url, who):
    status = login(who).get(url).status_code
    assert status == (200 if who in PAGES[url] else 403), (url, who, status)


@pytest.mark.parametrize("url", sorted(PAGES))
def test_anonymous_must_log_in(login, url):
    response = login(None).get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_public_notices_need_no_account(login):
    assert login(None).get("/notices").status_code == 200


def test_demo_clock_exists_only_in_demo_mode(login):
    assert login("torch1").get("/admin/clock").status_code == 404
    assert login("applicant_a").get("/admin/clock").status_code == 403


def test_pages_speak_chinese_by_default_and_english_on_request(login):
    page = login("applicant_a").get("/").get_data(as_text=True)
    assert "我的待办" in page or "待办事项" in page
    assert "My tasks" in login("applicant_a").get("/?lang=en").get_data(as_text=True)


def test_login_refuses_wrong_password_with_a_message(app, world):
    client = app.test_client()
    with app.app_context():
        html = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    with app.app_context():
        response = client.post("/login", data={"username": "applicant_a", "password": "nope", "csrf_token": token})
    assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)


def test_every_ui_string_is_translated_to_chinese(tmp_path):
    root = Path(__file__).resolve().parents[2]
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "N_", "-o", str(pot), "."], cwd=root, check=True, capture_output=True)
    sys.path.insert(0, str(root / "scripts"))
    from check_catalog import problems

    missing = problems(pot, root / "webapp/translations/zh/LC_MESSAGES/messages.po")
    assert not missing, f"untranslated: {missing[:20]}"
