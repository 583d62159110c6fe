"""Weaknesses an outside security probe found (issue 9, item 4): each test reproduces the probe's request
and fails on the code before the fix."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD, Browser
from .flow import complete, open_task, start_application, submit_application


@pytest.mark.parametrize("next_param", [
    "%2F%09%2Fevil.example%2F",  # the probe's: "/", a tab, "/evil.example/" -> Location //evil.example/
    "%2F%5Cevil.example%2F",  # a backslash, read as a slash by browsers
    "%2F%0D%0ALocation:%20https://evil.example/",  # CR/LF: was a 500
    "https://evil.example/",
    "//evil.example/",
])
def test_login_never_redirects_to_another_site(app, world, next_param):
    browser = Browser(app, None)
    token = browser.token("/login")
    response = browser.client.post(f"/login?next={next_param}", data={
        "username": "applicant_a", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/" or location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location


def test_login_keeps_a_local_next(app, world):
    browser = Browser(app, None)
    token = browser.token("/login")
    response = browser.client.post("/login?next=%2Fspaces%3Fq%3D1", data={
        "username": "applicant_a", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/spaces?q=1"


def test_one_expert_cannot_fill_a_whole_panel(app, login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    task = open_task(application_id, "organise_review")
    expert = str(world["users"]["expert1"].id)
    response = complete(login("torch1"), task, {"panel_experts": [expert, expert, expert]}, expect=422)
    assert "同一位专家只能选择一次" in response.get_data(as_text=True)
    assert open_task(application_id, "organise_review").id == task.id  # still open: no panel was formed


@pytest.mark.parametrize("path", ["/instances/{big}", "/applications/{big}", "/spaces/{big}", "/tasks/{big}",
                                  "/public/notices/{big}", "/designer/versions/{big}"])
def test_ids_beyond_64_bits_are_not_found_rather_than_a_server_error(app, login, world, path):
    big = str(2**64 + 5)
    who = "designer" if path.startswith("/designer") else "supervisor"
    response = login(who).get(path.format(big=big))
    assert response.status_code == 404, response.status_code


def test_private_pages_are_not_stored_by_caches_and_scripts_come_only_from_this_site(app, login, world):
    page = login("torch1").get("/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    public = Browser(app, None).get("/public/notices")
    assert "no-store" not in public.headers.get("Cache-Control", "")  # the public portal may be cached
    assert "script-src 'self'" in public.headers["Content-Security-Policy"]
