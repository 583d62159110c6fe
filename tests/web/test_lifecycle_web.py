"""The life of a recognised maker space (Art. 15–20) through the web routes, role by role.

Each test starts from a space recognised "today" (2026-03-02, the frozen test clock) with its
space_lifecycle running, the way recognise_space leaves it; time passes with move_clock (the timer
sweeper), and every step a person takes is a real request with a CSRF token. What is asserted is what
the people involved would notice: their inbox, the task page, the dossier, the public notices, and
403s where the rules say no.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from webapp.engine.clock import clock
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    ChangeFiling,
    Evaluation,
    HumanTask,
    MakerSpace,
    ProcessInstance,
    PublicNotice,
    Report,
)

from ..conftest import START
from .flow import move_clock, user

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
    from webapp.engine.testing import recognised_space_now

    space = recognised_space_now(name, world["org_a"].id, world["hohhot"].id)
    assert space.lifecycle_instance_id is not None, "space_lifecycle is not deployed"
    return space.id


@pytest.fixture
def space_id(world):
    return make_recognised_space(world)


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


# ---- half-year report (R14) ---------------------------------------------------------------------------


def test_half_year_report_reaches_the_operator_only(login, world, space_id):
    operator = login("applicant_a")
    dossier = f"/spaces/{space_id}"
    lifecycle_id = space(space_id).lifecycle_instance_id

    def timer_rows() -> int:  # what the supervisor reads in the case's audit trail
        return page(login("supervisor"), f"/instances/{lifecycle_id}").count("<td>定时触发</td>")

    move_clock(days=150)
    assert HALF_YEAR not in inbox_links(operator)  # not yet: the period opens six months after recognition
    # at the very instant the six months are up the timer has not passed yet: nothing opens, and the
    # sweeper does not spin on it (it used to reload the case 100 times, writing 100 empty timer events)
    move_clock(days=(FIRST_REPORT - clock.now()).total_seconds() / 86400)
    assert clock.now() == FIRST_REPORT
    assert HALF_YEAR not in inbox_links(operator) and timer_rows() == 0
    task_id = until_half_year_report(login)
    assert timer_rows() == 1
    task_page = page(operator, f"/tasks/{task_id}")
    assert HALF_YEAR in task_page and "30 天" in task_page  # the instructions from the diagram
    assert 'name="invention_patents"' in task_page and 'name="summary"' in task_page

    # another organisation's operator and another unit's recommender see nothing and may open nothing
    for other in ("applicant_b", "recommender_b"):
        assert HALF_YEAR not in inbox_links(login(other))
        forbidden(login(other), "get", f"/tasks/{task_id}")
        forbidden(login(other), "post", f"/tasks/{task_id}", REPORT)
        forbidden(login(other), "get", dossier)
        assert SPACE_NAME not in page(login(other), "/spaces")
    assert HALF_YEAR not in inbox_links(login("recommender_a"))  # the operator reports, not the unit
    # the space's own recommending unit follows the dossier
    assert SPACE_NAME in page(login("recommender_a"), dossier)
    assert SPACE_NAME in page(login("recommender_a"), "/spaces")
    assert reports(space_id) == []

    submit(operator, task_id, REPORT)
    [report] = reports(space_id)
    assert report.status == "on_time"
    assert report.data["workstations"] == 120 and report.data["public_area_m2"] == 700.0
    assert report.data["summary"] == REPORT["summary"]
    assert HALF_YEAR not in inbox_links(operator)
    for viewer in ("applicant_a", "recommender_a", "torch1"):
        html = page(login(viewer), dossier)
        assert "按时" in html, viewer  # the report's status on the dossier
        assert HALF_YEAR not in re.sub(r"<h2>.*", "", html, flags=re.S)  # no longer listed as open work


BAD_REPORTS = [
    ({"workstations": "-1"}, "workstations"),
    ({"events_held": "-3"}, "events_held"),
    ({"service_staff_fulltime": "7"}, "service_staff_fulltime"),  # more full-time staff than staff (6)
    ({"invention_patents": "13"}, "invention_patents"),  # more invention patents than valid IP (12)
    ({"public_area_m2": "1200.01"}, "public_area_m2"),  # public area larger than the total (1200)
    ({"mentors": "八"}, "mentors"),
    ({"startups": "3.5"}, "startups"),
    ({"total_area_m2": "一千二百"}, "total_area_m2"),
    ({"summary": ""}, "summary"),
]


def test_bad_statistics_are_refused_and_nothing_is_saved(login, world, space_id):
    operator = login("applicant_a")
    task_id = until_half_year_report(login)

    def state():
        db.session.expire_all()
        return (db.session.scalar(select(func.count(Report.id))), db.session.scalar(select(func.count(AuditEvent.id))),
                [(t.id, t.status) for t in db.session.scalars(select(HumanTask).order_by(HumanTask.id))])

    before = state()
    for bad, field in BAD_REPORTS:
        response = operator.post(f"/tasks/{task_id}", {**REPORT, **bad})
        assert response.status_code == 422, bad
        html = response.get_data(as_text=True)
        assert field_errors(html, field), (bad, field)
        # only the bad field is marked
        assert html.count('class="field has-error"') == 1, bad
        assert state() == before, bad
    # the "part of a whole" rules name the whole they were checked against
    html = operator.post(f"/tasks/{task_id}", {**REPORT, "service_staff_fulltime": "7"}).get_data(as_text=True)
    assert field_errors(html, "service_staff_fulltime") == ["不能大于“服务人员数”。"]
    html = operator.post(f"/tasks/{task_id}", {**REPORT, "invention_patents": "13"}).get_data(as_text=True)
    assert field_errors(html, "invention_patents") == ["不能大于“拥有有效知识产权数”。"]
    html = operator.post(f"/tasks/{task_id}", {**REPORT, "workstations": "-1"}).get_data(as_text=True)
    assert any("0" in e and "100000" in e for e in field_errors(html, "workstations"))
    # several mistakes at once are all shown
    html = operator.post(f"/tasks/{task_id}", {**REPORT, "jobs_graduates": "31", "investment_income_k": "900",
                                               "valid_ip": "-2"}).get_data(as_text=True)
    assert field_errors(html, "jobs_graduates") and field_errors(html, "investment_income_k")
    assert field_errors(html, "valid_ip")
    assert state() == before
    assert inbox_task(operator, HALF_YEAR) == task_id  # still waiting
    assert "按时" not in page(operator, f"/spaces/{space_id}")
    # corrected, it goes through
    submit(operator, task_id, REPORT)
    assert [r.status for r in reports(space_id)] == ["on_time"]


def test_late_report_is_recorded_late(login, world, space_id):
    task_id = until_half_year_report(login)
    move_clock(days=40)  # past the 30-day window, before the next period opens
    submit(login("applicant_a"), task_id, REPORT)
    assert [r.status for r in reports(space_id)] == ["late"]
    assert "逾期" in page(login("applicant_a"), f"/spaces/{space_id}")


# ---- change filing (R15) ------------------------------------------------------------------------------


def test_change_filing_returned_once_then_filed(login, world, space_id):
    operator, unit, other_unit = login("applicant_a"), login("recommender_a"), login("recommender_b")
    dossier = f"/spaces/{space_id}"
    assert f'action="/spaces/{space_id}/changes"' in page(operator, dossier)  # the button on the dossier
    assert f'action="/spaces/{space_id}/changes"' not in page(unit, dossier)  # only the operator files
    forbidden(unit, "post", f"{dossier}/changes")
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    assert response.status_code == 302
    request_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    assert inbox_task(operator, "提交变更报备") == request_id
    html = page(operator, f"/tasks/{request_id}")
    assert "提交变更报备" in html and 'name="change_type"' in html
    # a request without a description is refused
    response = operator.post(f"/tasks/{request_id}", {"change_type": "area", "change_description": ""})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "change_description")
    submit(operator, request_id, {"change_type": "area", "change_description": "场地由 1200 平方米扩至 1600 平方米"})

    # the space's own recommending unit forwards; another unit can neither see nor complete it
    forward_id = inbox_task(unit, "推荐单位审核转报")
    assert "推荐单位审核转报" not in inbox_links(other_unit)
    forbidden(other_unit, "get", f"/tasks/{forward_id}")
    forbidden(other_unit, "post", f"/tasks/{forward_id}", {"forward_decision": "forward", "forward_comments": ""})
    assert "场地由 1200 平方米扩至 1600 平方米" in page(unit, f"/tasks/{forward_id}")  # what is to be forwarded
    submit(unit, forward_id, {"forward_decision": "return", "forward_comments": "请补充新场地租赁合同"})

    # back with the operator, with the unit's comments
    again_id = inbox_task(operator, "提交变更报备")
    assert "请补充新场地租赁合同" in page(operator, f"/tasks/{again_id}")
    assert "推荐单位审核转报" not in inbox_links(unit)
    submit(operator, again_id, {"change_type": "area", "change_description": "场地扩至 1600 平方米，已附新租赁合同"})
    submit(unit, inbox_task(unit, "推荐单位审核转报"), {"forward_decision": "forward", "forward_comments": "同意转报"})

    # the Department files it
    assert "科技厅备案确认" not in inbox_links(unit)
    accept_id = inbox_task(login("approver"), "科技厅备案确认")
    submit(login("approver"), accept_id, {"change_accepted": "yes", "change_comments": "予以备案"})
    [filing] = db.session.scalars(select(ChangeFiling).where(ChangeFiling.space_id == space_id)).all()
    assert filing.accepted and filing.change_type == "area" and "已附新租赁合同" in filing.description
    for viewer in (operator, unit, login("torch1")):
        html = page(viewer, dossier)
        assert "场地扩至 1600 平方米，已附新租赁合同" in html and "已备案" in html
    assert [t.task_spec for t in open_tasks(space_id)] == []
    assert space(space_id).status == "recognised"


def test_another_organisation_cannot_file_a_change_for_the_space(login, world, space_id):
    def filings():
        return db.session.scalar(select(func.count(ProcessInstance.id)).where(
            ProcessInstance.process_id == "change_filing"))

    forbidden(login("applicant_b"), "post", f"/spaces/{space_id}/changes")
    forbidden(login("recommender_b"), "post", f"/spaces/{space_id}/changes")
    assert filings() == 0
    # without a CSRF token not even the operator starts one
    response = login("applicant_a").post(f"/spaces/{space_id}/changes", {}, csrf=False)
    assert response.status_code in (400, 403)
    assert filings() == 0


# ---- three-yearly evaluation (R16–R20) ----------------------------------------------------------------


def live_until_self_assessment(login, space_id) -> tuple[int, int]:
    """Let the clock run from timer to timer, the operator submitting every half-year report as soon
    as it opens, until the self-assessment is in the operator's inbox. Returns (task id, reports)."""
    operator = login("applicant_a")
    submitted = 0
    for _ in range(100):
        links = inbox_links(operator)
        if SELF_ASSESSMENT in links:
            return inbox_task(operator, SELF_ASSESSMENT), submitted
        if HALF_YEAR in links:
            submit(operator, inbox_task(operator, HALF_YEAR), REPORT)
            submitted += 1
            continue
        when = next_timer(space_id)
        assert when is not None, [t.task_spec for t in open_tasks(space_id)]
        move_clock_to(when)
    raise AssertionError("the self-assessment never arrived")


def test_evaluation_after_three_years_through_every_role(login, world, space_id):
    operator, torch, approver = login("applicant_a"), login("torch1"), login("approver")
    experts = {name: user(world, name) for name in ("expert1", "expert2", "expert3", "expert4", "expert_conflict")}
    task_id, submitted = live_until_self_assessment(login, space_id)
    # three years after recognition (R16), every half-year report on time, the space still recognised
    assert datetime(2029, 3, 2) <= clock.now().replace(tzinfo=None) < datetime(2029, 3, 4), clock.now()
    assert submitted >= 5 and {r.status for r in reports(space_id)} == {"on_time"}
    assert space(space_id).status == "recognised"
    assert SELF_ASSESSMENT not in inbox_links(login("applicant_b"))
    forbidden(login("applicant_b"), "get", f"/tasks/{task_id}")

    response = operator.post(f"/tasks/{task_id}", {"self_assessment": "三年运营情况自评", "self_score": "121"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "self_score")
    submit(operator, task_id, {"self_assessment": "三年运营情况自评：服务团队 120 个，孵化企业 15 家", "self_score": "88"})
    assert SELF_ASSESSMENT not in inbox_links(operator)

    # Torch Center: material review, then the panel
    review_id = inbox_task(torch, "考核材料审核")
    assert "考核材料审核" in inbox_links(login("torch2"))  # a group task: every Torch Center user sees it
    assert "考核材料审核" not in inbox_links(operator)
    submit(torch, review_id, {"materials_false": "no", "material_comments": "材料齐全、真实"})
    organise_id = inbox_task(torch, "组织考核专家评分")
    html = page(torch, f"/tasks/{organise_id}")
    offered = {int(v) for v in re.findall(r'name="panel_experts" type="checkbox" value="(\d+)"', html)}
    assert offered == {experts[n].id for n in ("expert1", "expert2", "expert3", "expert4")}
    assert experts["expert_conflict"].id not in offered  # works for the space's own organisation
    # neither too small a panel nor a conflicted expert is accepted
    for panel in (["expert1", "expert2"], ["expert1", "expert2", "expert_conflict"]):
        response = torch.post(f"/tasks/{organise_id}", {"panel_experts": [str(experts[n].id) for n in panel]})
        assert response.status_code == 422, panel
        assert field_errors(response.get_data(as_text=True), "panel_experts"), panel
    assert "专家考核评分" not in inbox_links(login("expert1"))
    submit(torch, organise_id, {"panel_experts": [str(experts[n].id) for n in ("expert1", "expert2", "expert3")]})

    # each expert sees only its own scoring task
    score_ids = {name: inbox_task(login(name), "专家考核评分") for name in ("expert1", "expert2", "expert3")}
    assert len(set(score_ids.values())) == 3
    for name in ("expert4", "expert_conflict"):
        assert "专家考核评分" not in inbox_links(login(name))
        forbidden(login(name), "get", f"/tasks/{score_ids['expert1']}")
    forbidden(login("expert1"), "get", f"/tasks/{score_ids['expert2']}")
    forbidden(login("expert2"), "post", f"/tasks/{score_ids['expert3']}",
              {"base": "10", "bonus": "0", "comments": "冒名评分"})
    response = login("expert1").post(f"/tasks/{score_ids['expert1']}", {"base": "101", "bonus": "0", "comments": "x"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "base")
    for name, (base, bonus) in {"expert1": (72, 6), "expert2": (75, 5), "expert3": (78, 4)}.items():
        assert "confirm_grade" not in [t.task_spec for t in open_tasks(space_id)]
        submit(login(name), score_ids[name], {"base": str(base), "bonus": str(bonus), "comments": f"{name} 按指标体系评分"})
        assert "专家考核评分" not in inbox_links(login(name))

    # the Department confirms: mean of 78, 80, 82 = 80 → 良好 (R18)
    confirm_id = inbox_task(approver, "确认考核等级")
    html = page(approver, f"/tasks/{confirm_id}")
    assert "<strong>80.0</strong>" in html and "expert2 按指标体系评分" in html  # the combined panel score
    assert db.session.scalar(select(func.count(Evaluation.id))) == 0
    submit(approver, confirm_id, {"confirm_comments": "同意"})

    [evaluation] = db.session.scalars(select(Evaluation).where(Evaluation.space_id == space_id)).all()
    assert evaluation.grade == "good" and float(evaluation.score) == 80.0
    notice = db.session.scalar(select(PublicNotice).where(PublicNotice.subject_type == "space",
                                                         PublicNotice.subject_id == space_id))
    assert notice is not None and notice.grade == "good"
    for viewer in (operator, login("recommender_a"), torch):
        html = page(viewer, f"/spaces/{space_id}")
        assert "良好" in html and "80.00" in html
        assert "300,000" in html  # the award for 良好 (R19)
    public = page(login(None), "/notices")  # no login needed
    assert f"众创空间绩效考核结果公示：{SPACE_NAME} — 良好" in public
    # the operator was told
    assert "绩效考核结果：良好" in page(operator, "/notifications")
    assert space(space_id).status == "recognised"
    assert [t.task_spec for t in open_tasks(space_id)] == []


# ---- violation (R22) and leaving the system (Art. 9) ------------------------------------------------


def test_violation_revokes_and_ends_every_open_task(login, world, space_id):
    operator, unit, torch, approver = login("applicant_a"), login("recommender_a"), login("torch1"), login("approver")
    dossier = f"/spaces/{space_id}"
    # open work of the space: the half-year report, and a change filing waiting at the recommending unit
    report_id = until_half_year_report(login)
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    change_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    submit(operator, change_id, {"change_type": "operator", "change_description": "运营机构变更"})
    forward_id = inbox_task(unit, "推荐单位审核转报")

    # who may report: not another unit, not the operator; the form needs a description
    violation = {"violation_type": "blacklist", "violation_description": "运营机构被列入失信黑名单"}
    forbidden(login("recommender_b"), "post", f"{dossier}/violations", violation)
    forbidden(operator, "post", f"{dossier}/violations", violation)
    response = torch.post(f"{dossier}/violations", {"violation_type": "blacklist", "violation_description": ""},
                          from_page=dossier)
    assert response.status_code == 302 and "调查核实" not in inbox_links(torch)
    response = torch.post(f"{dossier}/violations", violation, from_page=dossier)
    assert response.status_code == 302

    investigate_id = inbox_task(torch, "调查核实")
    assert "运营机构被列入失信黑名单" in page(torch, f"/tasks/{investigate_id}")  # what was reported
    assert "调查核实" not in inbox_links(approver)
    submit(torch, investigate_id, {"violation_findings": "经核实，已列入失信黑名单"})
    decide_id = inbox_task(approver, "撤销决定")
    assert "撤销决定" not in inbox_links(torch)
    assert space(space_id).status == "recognised"
    submit(approver, decide_id, {"revoke": "yes", "decision_reason": "列入失信黑名单（R22）"})

    assert space(space_id).status == "revoked"
    assert open_tasks(space_id) == []
    assert db.session.get(ProcessInstance, space(space_id).lifecycle_instance_id).status == "completed"
    for name in ("applicant_a", "recommender_a", "torch1", "torch2", "approver"):
        links = inbox_links(login(name))
        assert not {HALF_YEAR, "推荐单位审核转报", "调查核实", "撤销决定"} & set(links), (name, links)
    # the open tasks can no longer be completed either
    response = operator.post(f"/tasks/{report_id}", REPORT, from_page="/")
    assert response.status_code == 302 and reports(space_id) == []
    response = unit.post(f"/tasks/{forward_id}", {"forward_decision": "forward", "forward_comments": ""}, from_page="/")
    assert response.status_code == 302 and db.session.scalar(select(func.count(ChangeFiling.id))) == 0
    # the dossier shows the revocation and offers no more actions
    for viewer in (operator, unit, torch, approver):
        html = page(viewer, dossier)
        assert "已撤销" in html
        for action in ("/changes", "/violations", "/leave"):
            assert f'action="/spaces/{space_id}{action}"' not in html, (viewer.username, action)
    forbidden(operator, "post", f"{dossier}/changes")
    forbidden(torch, "post", f"{dossier}/violations", violation)
    forbidden(torch, "post", f"{dossier}/leave", {"designation": "incubator"})
    assert "状态变更：已撤销（列入失信黑名单（R22））" in page(operator, "/notifications")
    # time goes on: nothing of the space comes back
    move_clock(days=400)
    assert open_tasks(space_id) == [] and reports(space_id) == []
    assert HALF_YEAR not in inbox_links(operator)


def test_violation_not_upheld_keeps_the_space(login, world, space_id):
    torch, approver = login("torch1"), login("approver")
    dossier = f"/spaces/{space_id}"
    response = login("recommender_a").post(f"{dossier}/violations", {
        "violation_type": "safety_accident", "violation_description": "消防检查发现隐患"}, from_page=dossier)
    assert response.status_code == 302
    submit(torch, inbox_task(torch, "调查核实"), {"violation_findings": "隐患已整改，不属于重大安全事故"})
    submit(approver, inbox_task(approver, "撤销决定"), {"revoke": "no", "decision_reason": "不属于重大安全事故"})
    assert space(space_id).status == "recognised"
    assert f'action="/spaces/{space_id}/changes"' in page(login("applicant_a"), dossier)
    until_half_year_report(login)  # its life goes on


def test_leaving_the_system_ends_the_lifecycle(login, world, space_id):
    torch, operator = login("torch1"), login("applicant_a")
    dossier = f"/spaces/{space_id}"
    until_half_year_report(login)
    forbidden(operator, "post", f"{dossier}/leave", {"designation": "incubator"})
    forbidden(login("approver"), "post", f"{dossier}/leave", {"designation": "incubator"})
    assert f'action="/spaces/{space_id}/leave"' in page(torch, dossier)
    response = torch.post(f"{dossier}/leave", {"designation": "incubator"}, from_page=dossier)
    assert response.status_code == 302
    assert space(space_id).status == "left"
    assert db.session.get(ProcessInstance, space(space_id).lifecycle_instance_id).status == "completed"
    assert open_tasks(space_id) == []
    assert HALF_YEAR not in inbox_links(operator)
    html = page(torch, dossier)
    assert "已退出本体系" in html and f'action="/spaces/{space_id}/leave"' not in html
    assert "状态变更：已退出本体系" in page(operator, "/notifications")
    forbidden(torch, "post", f"{dossier}/leave", {"designation": "incubator"})
    forbidden(operator, "post", f"{dossier}/changes")
    move_clock(days=400)
    assert open_tasks(space_id) == [] and space(space_id).status == "left"
