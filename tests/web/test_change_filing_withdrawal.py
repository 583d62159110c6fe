"""An operator who started a change filing (the case opens at once, with the form) and has not handed it in can
withdraw it: the case ends as withdrawn (已撤回) with an entry in its history, the operator's dossier says so,
and the recommending unit and the Department never see it in their work. Once handed in it is theirs: it can
no longer be withdrawn this way (the operator may still take its own step back while nobody has acted on it).
As the applicant's withdrawal of an application (webapp/office/service.py withdraw_application)."""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, ProcessInstance

from .lifecycle import forbidden, inbox_links, page, submit
from .test_change_filing_values import FORWARD, evidence, start_filing

DIRECTION = {"change_type": "direction", "new_direction": "人工智能与智能制造", "change_description": "经营方向调整"}


def filing_of(task_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(HumanTask, task_id).instance


def withdraw_url(html: str) -> str:
    found = re.search(r'<form[^>]*id="withdraw-filing"[^>]*action="([^"]+)"|'
                      r'<form[^>]*action="([^"]+)"[^>]*id="withdraw-filing"', html)
    assert found, "no way to withdraw the filing on the page"
    return found.group(1) or found.group(2)


def flashed(html: str) -> str:
    return " ".join(re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', html, re.S))


def test_the_operator_withdraws_a_filing_it_has_not_handed_in(login, world, space_id):
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    task_id = start_filing(operator, space_id)
    form_page = f"/tasks/{task_id}"
    url = withdraw_url(page(operator, form_page))

    # not without ticking the confirmation: nothing changes
    response = operator.post(url, {}, from_page=form_page)
    assert response.status_code == 302 and filing_of(task_id).status == "running"
    assert "确认" in flashed(page(operator, response.headers["Location"]))

    response = operator.post(url, {"confirm": "yes"}, from_page=form_page)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/spaces/{space_id}")
    instance = filing_of(task_id)
    assert instance.status == "cancelled"
    assert db.session.get(HumanTask, task_id).status != "open"
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance.id,
                                                               AuditEvent.action == "withdrawn")).all() == ["withdrawn"]
    dossier = page(operator, f"/spaces/{space_id}")
    assert "变更报备已撤回" in flashed(dossier)
    changes = re.search(r'<table class="list" id="changes">(.*?)</main>', dossier, re.S).group(1)
    assert "已撤回" in changes  # the operator's dossier keeps it, as withdrawn
    assert "提交变更报备" not in inbox_links(operator)
    # the case's history says so to those who follow it
    assert "已撤回" in page(login("supervisor"), f"/instances/{instance.id}")
    # the reviewers never see it: not in their work, not on the dossier
    assert FORWARD not in inbox_links(unit) and "科技厅备案确认" not in inbox_links(approver)
    for reviewer in (unit, approver, login("torch1")):
        assert "已撤回" not in page(reviewer, f"/spaces/{space_id}")
    # withdrawn once: a second click changes nothing and says so
    response = operator.post(url, {"confirm": "yes"}, from_page=f"/spaces/{space_id}")
    assert response.status_code == 302 and filing_of(task_id).status == "cancelled"


def test_a_filing_handed_in_is_no_longer_withdrawn_this_way_and_only_its_operator_may(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    task_id = start_filing(operator, space_id)
    url = withdraw_url(page(operator, f"/tasks/{task_id}"))
    forbidden(unit, "post", url, {"confirm": "yes"})
    forbidden(login("applicant_b"), "post", url, {"confirm": "yes"})
    forbidden(login("approver"), "post", url, {"confirm": "yes"})
    assert filing_of(task_id).status == "running"

    submit(operator, task_id, {**DIRECTION, **evidence("营业执照变更登记.pdf")})
    response = operator.post(url, {"confirm": "yes"}, from_page=f"/spaces/{space_id}")
    assert response.status_code == 302 and filing_of(task_id).status == "running"
    assert "已经提交" in flashed(page(operator, response.headers["Location"]))
    assert FORWARD in inbox_links(unit)


def test_a_filing_sent_back_may_be_withdrawn_and_the_unit_that_sent_it_back_is_told(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    task_id = start_filing(operator, space_id)
    submit(operator, task_id, {**DIRECTION, **evidence("营业执照变更登记.pdf")})
    submit(unit, inbox_links(unit)[FORWARD][0], {"forward_decision": "return", "forward_comments": "请附董事会决议"})
    again = inbox_links(operator)["提交变更报备"][0]
    response = operator.post(withdraw_url(page(operator, f"/tasks/{again}")), {"confirm": "yes"},
                             from_page=f"/tasks/{again}")
    assert response.status_code == 302 and filing_of(task_id).status == "cancelled"
    told = page(unit, "/notifications")
    assert "青城创客空间" in told and "已将其撤回" in told and "无需再办理" in told
    # the operator's dossier says what happened: sent back, then withdrawn — not "before it was handed in"
    changes = re.search(r'<table class="list" id="changes">(.*?)</main>', page(operator, f"/spaces/{space_id}"), re.S).group(1)
    assert "被推荐单位退回后由运营机构撤回" in changes and "提交前" not in changes
