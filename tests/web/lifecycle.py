"""Helpers for the lifecycle web tests: a recognised space, and what a user sees of it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from tests.conftest import START
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import (
    HumanTask,
    MakerSpace,
    ProcessInstance,
    Report,
)

from .flow import move_clock

HALF_YEAR = "半年度运营情况与统计报表"
SELF_ASSESSMENT = "绩效自评与材料提交"
SPACE_NAME = "青城创客空间"
FIRST_REPORT = START + timedelta(days=184)  # 2026-09-02 09:00, six months after recognition

# Every field of forms/lifecycle.py HalfYearReportForm, consistent (parts never exceed their wholes).
REPORT = {
    "workstations": "120", "service_staff": "6", "service_staff_fulltime": "4", "mentors": "8",
    "teams_served": "20", "team_members": "85", "startups": "5", "jobs_created": "30", "jobs_graduates": "12",
    "new_residents": "6", "enterprises_registered": "3", "teams_funded": "2", "events_held": "6",
    "trainings_held": "4", "valid_ip": "12", "invention_patents": "3", "incubation_cases": "2",
    "total_area_m2": "1200", "public_area_m2": "700", "funding_k": "500", "income_k": "800",
    "service_income_k": "300", "investment_income_k": "100", "operating_cost_k": "600",
    "summary": "本半年度新入驻团队 6 个，举办活动 6 场、培训 4 场。",
}


# ---- the recognised space ---------------------------------------------------------------------------


def make_recognised_space(world, name: str = SPACE_NAME) -> int:
    """A space of organisation A (unit hohhot) recognised now, its lifecycle started the way
    tasks.recognition.recognise_space starts it. Returns the space id."""
    from webapp.simulation import recognised_space_now

    space = recognised_space_now(name, world["org_a"].id, world["hohhot"].id)
    assert space.lifecycle_instance_id is not None, "space_lifecycle is not deployed"
    return space.id



# ---- what a user sees ---------------------------------------------------------------------------------


def page(browser, url: str, expect: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == expect, (url, response.status_code, response.get_data(as_text=True)[:2000])
    return response.get_data(as_text=True)


def inbox_links(browser) -> dict[str, list[int]]:
    """Task titles in the user's inbox, each with the task ids its links point to."""
    found: dict[str, list[int]] = {}
    for task_id, title in re.findall(r'<a href="/tasks/(\d+)">([^<]+)</a>', page(browser, "/")):
        found.setdefault(title, []).append(int(task_id))
    return found


def inbox_task(browser, title: str) -> int:
    """The one task with this title in the user's inbox (as the user would click it)."""
    ids = inbox_links(browser).get(title, [])
    assert len(ids) == 1, f"expected one {title!r} in {browser.username}'s inbox, found {inbox_links(browser)}"
    return ids[0]


def submit(browser, task_id: int, data: dict, expect: int = 302):
    response = browser.post(f"/tasks/{task_id}", data)
    assert response.status_code == expect, response.get_data(as_text=True)[:3000]
    return response


def field_errors(html: str, name: str) -> list[str]:
    """The error messages shown next to one form field (an input, or a group of radios/checkboxes)."""
    for block in re.findall(r'<(?:div|fieldset) class="field has-error">.*?</(?:div|fieldset)>', html, re.S):
        if f'name="{name}"' in block:
            return re.findall(r'<p class="error">([^<]*)</p>', block)
    return []


def forbidden(browser, method: str, url: str, data: dict | None = None) -> None:
    # for a POST the token comes from a page the user may open; the refusal must come from the rules
    response = browser.get(url) if method == "get" else browser.post(url, data or {}, from_page="/")
    assert response.status_code == 403, (browser.username, method, url, response.status_code)


def open_tasks(space_id: int) -> list[HumanTask]:
    """Open tasks of every case of the space (lifecycle, evaluations, change filings, violations)."""
    db.session.expire_all()
    return list(db.session.scalars(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
            ProcessInstance.subject_type == "space", ProcessInstance.subject_id == space_id,
            HumanTask.status == "open").order_by(HumanTask.id)))


def space(space_id: int) -> MakerSpace:
    db.session.expire_all()
    return db.session.get(MakerSpace, space_id)


def reports(space_id: int) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.space_id == space_id).order_by(Report.opened_at)))


def move_clock_to(when: datetime) -> None:
    """To just after `when` (a timer fires once its time has passed; the sweeper runs every few seconds)."""
    when = when + timedelta(minutes=1)
    if when > clock.now():
        move_clock(days=(when - clock.now()).total_seconds() / 86400)


def next_timer(space_id: int) -> datetime | None:
    db.session.expire_all()
    return db.session.scalar(select(func.min(ProcessInstance.next_timer_at)).where(
        ProcessInstance.subject_type == "space", ProcessInstance.subject_id == space_id,
        ProcessInstance.status == "running"))


def until_half_year_report(login) -> int:
    """Six months after recognition (2026-03-02 + P6M) the first report period opens (R14)."""
    move_clock_to(FIRST_REPORT)
    return inbox_task(login("applicant_a"), HALF_YEAR)




# ---- the evaluation sheet ------------------------------------------------------------------------------


def sheet_items(html: str) -> dict[str, tuple[float, str]]:
    """The sheet's items on an expert's scoring page: code -> (maximum, base|bonus).
    (WTForms writes a field's attributes in alphabetical order.)"""
    found = re.findall(r'data-part="(\w+)"[^>]*?id="item_(\w+)"[^>]*?max="([\d.]+)"', html)
    return {code: (float(maximum), part) for part, code, maximum in found}


def sheet_answers(items: dict, base_share: float, bonus_share: float) -> dict[str, str]:
    """Every item at the same share of its maximum (base and bonus items apart)."""
    return {f"item_{code}": f"{maximum * (bonus_share if part == 'bonus' else base_share):.2f}"
            for code, (maximum, part) in items.items()}
