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
    "/instances": STAFF | {"recommender_a"},  # recommenders: their own unit's cases (issue 8)
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
    """The public reads the portal's list; the staff list (scheduled notices too) sends them there."""
    for who in (None, "applicant_a", "expert1", "recommender_a"):  # not staff: scheduled notices are not theirs
        response = login(who).get("/notices")
        assert response.status_code == 302 and response.headers["Location"].endswith("/public/notices"), who
    assert login(None).get("/public/notices").status_code == 200
    for who in ("torch1", "approver", "supervisor"):
        assert login(who).get("/notices").status_code == 200, who


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


# POST routes a supervisor may use, each with why it changes no case (issue 8: "a supervisor can change
# nothing; every POST route answers 403 to a supervisor"). Every other POST route must refuse with 403.
SUPERVISOR_MAY_POST = {
    "auth.login": "signing in",
    "auth.logout": "signing out of one's own session",
    "auth.change_password": "changing one's own password: no case data",
    "supervision.save_filter": "a person's own bookmark of the instance list: no case data",
    "supervision.delete_filter": "removing that bookmark (403 for anyone else's)",
    "inbox.notifications_read": "marking one's own notices read: no case data, and nobody else's notices",
}


def _post_routes(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods), key=lambda r: r.rule)


def test_the_supervisor_exemptions_are_real_post_routes(app):
    endpoints = {rule.endpoint for rule in _post_routes(app)}
    assert set(SUPERVISOR_MAY_POST) <= endpoints, set(SUPERVISOR_MAY_POST) - endpoints


def test_a_supervisor_is_refused_every_post_route(app, login, world, space_id):
    """Enumerated from app.url_map, so a route added later is covered without touching this test. The URL
    arguments name real rows, so a refusal is the access rule's 403 and not a 404 for a missing row."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import HumanTask, PublicNotice, SavedFilter

    from .flow import start_application, submit_application

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    task = db.session.scalars(select(HumanTask).where(HumanTask.status == "open").order_by(HumanTask.id)).first()
    notice = PublicNotice(subject_type="space", subject_id=space_id, title="评估结果公示", starts_at=task.created_at,
                          instance_id=task.instance_id)
    saved = SavedFilter(user_id=world["users"]["torch1"].id, name="x", query="")
    db.session.add_all([notice, saved])
    db.session.commit()
    values = {"application_id": application_id, "space_id": space_id, "task_id": task.id, "notice_id": notice.id,
              "round_id": 1, "version": 1, "process_id": "recognition", "filter_id": saved.id,
              "instance_id": task.instance_id}
    supervisor = login("supervisor")
    allowed = []
    for rule in _post_routes(app):
        if rule.endpoint in SUPERVISOR_MAY_POST:
            continue
        unknown = set(rule.arguments) - set(values)
        assert not unknown, f"{rule.rule}: give this test a real value for {unknown}"
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        status = supervisor.post(url, {}, from_page="/").status_code
        if status != 403:
            allowed.append((rule.rule, status))
    assert not allowed, f"POST routes not refused to a supervisor: {allowed}"


def test_an_error_page_says_what_happened_and_where_a_visitor_can_go(login):
    """Headed in words, not by its code; a visitor who is not logged in is offered the public pages and the
    log-in, not "back to my tasks" (which led to the log-in)."""
    page = login(None).get("/no-such-page").get_data(as_text=True)
    assert "<h1>页面不存在</h1>" in page and "错误代码：404" in page
    assert "返回我的待办" not in page and 'href="/public/notices"' in page and 'href="/login"' in page
    assert "返回我的待办" in login("applicant_a").get("/no-such-page").get_data(as_text=True)
