"""Application rounds (Art. 8, 定期受理): the Department opens and closes them; applicants apply only within one.

The `world` fixture has one round (2026年第一批) open for every unit from the test clock's start; tests that
need a unit without an open round close it first, as the Department would.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from webapp.clock import clock
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import Application, ApplicationRound, AuditEvent, ProcessInstance
from webapp.rounds import service

from .flow import start_application

CHINA = ZoneInfo("Asia/Shanghai")
READERS = {"approver", "torch1", "supervisor"}
EVERYONE = ["applicant_a", "recommender_a", "torch1", "expert1", "approver", "supervisor", "designer"]


def round_form(world, **overrides) -> dict:
    fields = {
        "title": "2026年度自治区众创空间认定（第二批）", "year": "2026", "batch": "2",
        "opens_on": "2026-03-02", "closes_on": "2026-05-31", "units": [str(world["hohhot"].id)],
        "instructions": "请对照第六条自查，并上传第七条所列材料。",
    }
    fields.update(overrides)
    return fields


def first_round() -> ApplicationRound:
    return db.session.scalar(select(ApplicationRound).where(ApplicationRound.batch == 1))


def close_first_round(world) -> None:
    """The fixture's round, closed early by the Department (so units have no open round)."""
    service.close_early(first_round(), world["users"]["approver"])
    db.session.commit()


def refused(browser) -> str:
    """Try to start an application (page and form); both are refused. Returns the message, shown once, as an error."""
    response = browser.get("/applications/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/applications"), response.status_code
    before = db.session.scalar(select(db.func.count(Application.id)))
    assert browser.post("/applications/new", {"space_name": "批次外的申报"}, from_page="/applications").status_code == 302
    assert db.session.scalar(select(db.func.count(Application.id))) == before
    html = browser.get("/applications").get_data(as_text=True)
    messages = re.findall(r'<div class="flash error" role="alert">(.*?)</div>', html, re.S)
    assert len(messages) == 1, messages
    assert html.count(messages[0]) == 1, "the refusal is shown twice"
    assert "/applications/new" not in html  # no button to a page that refuses
    return messages[0]


# ---- opening a round -------------------------------------------------------------------------------------


def test_approver_opens_a_round_with_its_dates_units_and_instructions(login, world):
    approver = login("approver")
    page = approver.get("/rounds/new").get_data(as_text=True)
    assert 'name="units"' in page and "包头市科技局" in page
    response = approver.post("/rounds/new", round_form(world))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    round_id = int(re.search(r"/rounds/(\d+)$", response.headers["Location"]).group(1))
    round_ = db.session.get(ApplicationRound, round_id)
    assert (round_.title, round_.year, round_.batch) == ("2026年度自治区众创空间认定（第二批）", 2026, 2)
    assert [u.code for u in round_.units] == ["hohhot"]
    assert round_.instructions.startswith("请对照第六条自查")
    # the whole closing day counts: the end is the next day's 00:00 in China time
    assert round_.opens_at == datetime(2026, 3, 2, 0, 0, tzinfo=CHINA)
    assert round_.closes_at == datetime(2026, 6, 1, 0, 0, tzinfo=CHINA)
    assert round_.closes_at.tzinfo is not None and round_.closes_on == date(2026, 5, 31)
    assert round_.created_by_id == world["users"]["approver"].id and round_.status == "open"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round_opened",
                                                       AuditEvent.title == round_.title))
    assert event.instance_id is None and event.actor_id == world["users"]["approver"].id
    assert event.detail["round_id"] == round_.id

    shown = approver.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "2026-05-31" in shown and "呼和浩特市科技局" in shown and "请对照第六条自查" in shown
    listed = approver.get("/rounds").get_data(as_text=True)
    assert "2026年度自治区众创空间认定（第二批）" in listed and "2026年第一批" in listed


@pytest.mark.parametrize("overrides, field", [
    ({"closes_on": "2026-03-01", "opens_on": "2026-03-05"}, "closes_on"),   # closes before it opens
    ({"opens_on": "2026-02-01", "closes_on": "2026-02-28"}, "closes_on"),   # already over
    ({"units": []}, "units"),                                               # nobody takes part
    ({"title": ""}, "title"),
    ({"batch": "1"}, "batch"),                                              # 2026 batch 1 exists
    ({"opens_on": "2026-13-01"}, "opens_on"),
])
def test_a_round_with_bad_fields_is_not_opened(login, world, overrides, field):
    before = db.session.scalar(select(db.func.count(ApplicationRound.id)))
    response = login("approver").post("/rounds/new", round_form(world, **overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(rf'class="field has-error">\s*(<label for="{field}"|<legend>)', html), html[:4000]
    assert db.session.scalar(select(db.func.count(ApplicationRound.id))) == before


def test_the_form_starts_with_every_unit_and_the_next_batch(login, world):
    html = login("approver").get("/rounds/new").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="units"[^>]*>', html)
    assert len(boxes) == 3 and all("checked" in box for box in boxes), boxes
    assert re.search(r'<input[^>]*name="batch"[^>]*value="2"', html)
    assert re.search(r'<input[^>]*name="opens_on"[^>]*value="2026-03-02"', html)


# ---- applying ----------------------------------------------------------------------------------------------


def test_an_applicant_of_a_participating_unit_applies_in_the_round(login, world):
    close_first_round(world)
    approver = login("approver")
    approver.post("/rounds/new", round_form(world))
    second = db.session.scalar(select(ApplicationRound).where(ApplicationRound.batch == 2))

    page = login("applicant_a").get("/applications/new").get_data(as_text=True)
    assert second.title in page and "2026-05-31" in page and "请对照第六条自查" in page
    listed = login("applicant_a").get("/applications").get_data(as_text=True)
    assert 'id="current-round"' in listed and second.title in listed and "2026-05-31" in listed
    application_id = start_application(login("applicant_a"))
    application = db.session.get(Application, application_id)
    assert application.round_id == second.id
    workflow = Runtime().load(db.session.get(ProcessInstance, application.instance_id))
    data = {k: v for task in workflow.get_tasks() for k, v in task.data.items()}
    assert data["round_id"] == second.id
    assert datetime.fromisoformat(data["round_closes_at"]) == second.closes_at

    # the round's page lists it, with a link
    shown = approver.get(f"/rounds/{second.id}").get_data(as_text=True)
    assert f'href="/applications/{application_id}"' in shown and "青城创客空间" in shown
    assert f'href="/applications/{application_id}"' not in approver.get(f"/rounds/{first_round().id}").get_data(as_text=True)


def test_an_applicant_of_a_unit_not_taking_part_is_refused(login, world):
    close_first_round(world)
    login("approver").post("/rounds/new", round_form(world))  # 呼和浩特 only
    assert "包头" not in refused(login("applicant_b"))  # 包头 takes no part; no other round is planned
    assert "2026年度自治区众创空间认定（第二批）" not in login("applicant_b").get("/applications").get_data(as_text=True)


def test_after_closing_early_applying_is_refused_naming_the_next_round(login, world):
    approver = login("approver")
    approver.post("/rounds/new", round_form(world, title="2026年第三批", batch="3", opens_on="2026-09-01",
                                            closes_on="2026-10-31", units=[str(world["hohhot"].id)]))
    third = db.session.scalar(select(ApplicationRound).where(ApplicationRound.batch == 3))
    assert third.status == "planned"
    first = first_round()
    assert login("applicant_a").get("/applications/new").status_code == 200

    page = approver.get(f"/rounds/{first.id}").get_data(as_text=True)
    assert 'id="close-round"' in page
    # without the confirmation nothing happens
    approver.post(f"/rounds/{first.id}/close", {}, from_page=f"/rounds/{first.id}")
    assert first_round().closed_early_at is None
    response = approver.post(f"/rounds/{first.id}/close", {"confirm": "y"}, from_page=f"/rounds/{first.id}")
    assert response.status_code == 302
    first = first_round()
    assert first.status == "closed" and first.closed_early_at == clock.now()
    assert first.closed_by_id == world["users"]["approver"].id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round_closed")).detail["round_id"] == first.id
    assert 'id="close-round"' not in approver.get(f"/rounds/{first.id}").get_data(as_text=True)

    message = refused(login("applicant_a"))
    assert "2026年第三批" in message and "2026-09-01" in message, message
    assert "下一批次「2026年第三批」将于 2026-09-01 开放申报" in message, message
    # a unit with no planned round is told that none is announced
    assert "2026年第三批" not in refused(login("applicant_b"))


def test_a_round_closes_by_itself_after_its_last_day(login, world):
    close_first_round(world)
    login("approver").post("/rounds/new", round_form(world, opens_on="2026-03-02", closes_on="2026-03-10"))
    second = db.session.scalar(select(ApplicationRound).where(ApplicationRound.batch == 2))
    # the last minute of the closing day (China time) still counts
    clock.advance(datetime(2026, 3, 10, 23, 59, tzinfo=CHINA) - clock.now())
    assert second.status == "open" and service.round_for(world["hohhot"].id) == second
    assert login("applicant_a").get("/applications/new").status_code == 200
    # the next day's midnight in China (16:00 UTC) it is closed, with no one closing it
    clock.advance(timedelta(minutes=1))
    assert clock.now() == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    db.session.expire_all()
    assert second.status == "closed" and second.closed_early_at is None
    assert service.round_for(world["hohhot"].id) is None
    refused(login("applicant_a"))
    assert "2026年度自治区众创空间认定（第二批）" in login("approver").get("/rounds").get_data(as_text=True)


def test_a_planned_round_opens_by_itself(login, world):
    close_first_round(world)
    login("approver").post("/rounds/new", round_form(world, opens_on="2026-04-01", closes_on="2026-04-30"))
    second = db.session.scalar(select(ApplicationRound).where(ApplicationRound.batch == 2))
    assert second.status == "planned" and service.next_round_for(world["hohhot"].id) == second
    assert "2026-04-01" in refused(login("applicant_a"))
    clock.advance(datetime(2026, 4, 1, 0, 0, tzinfo=CHINA) - clock.now())
    assert second.status == "open"
    assert login("applicant_a").get("/applications/new").status_code == 200


# ---- who may do what -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_round_pages_are_for_the_department_torch_center_and_supervisors(login, world, who):
    round_id = first_round().id
    for url in ("/rounds", f"/rounds/{round_id}"):
        assert login(who).get(url).status_code == (200 if who in READERS else 403), (who, url)
    assert login(who).get("/rounds/new").status_code == (200 if who == "approver" else 403)
    nav = login(who).get("/").get_data(as_text=True)
    assert ('href="/rounds"' in nav) == (who in READERS)


@pytest.mark.parametrize("who", ["supervisor", "torch1"])
def test_only_the_approver_opens_and_closes_rounds(login, world, who):
    browser = login(who)
    first = first_round()
    assert browser.post("/rounds/new", round_form(world), from_page="/rounds").status_code == 403
    assert browser.post(f"/rounds/{first.id}/close", {"confirm": "y"}, from_page="/rounds").status_code == 403
    assert "close-round" not in browser.get(f"/rounds/{first.id}").get_data(as_text=True)
    assert "/rounds/new" not in browser.get("/rounds").get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(ApplicationRound.id))) == 1
    assert first_round().closed_early_at is None


def test_applicants_cannot_see_or_change_rounds(login, world):
    applicant = login("applicant_a")
    first = first_round()
    assert applicant.get("/rounds").status_code == 403
    assert applicant.post("/rounds/new", round_form(world), from_page="/applications").status_code == 403
    assert applicant.post(f"/rounds/{first.id}/close", {"confirm": "y"}, from_page="/applications").status_code == 403
    assert first_round().closed_early_at is None
    anonymous = login(None)
    assert anonymous.get("/rounds").status_code == 302


def test_closing_a_closed_round_again_changes_nothing(login, world):
    close_first_round(world)
    first = first_round()
    closed_at = first.closed_early_at
    clock.advance(timedelta(hours=1))
    login("approver").post(f"/rounds/{first.id}/close", {"confirm": "y"}, from_page="/rounds")
    assert first_round().closed_early_at == closed_at
    with pytest.raises(service.RoundError):
        service.close_early(first_round(), None)
