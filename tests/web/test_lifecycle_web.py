"""The life of a recognised maker space (Art. 15–20) through the web routes, role by role.

Each test starts from a space recognised "today" (2026-03-02, the frozen test clock) with its
space_lifecycle running, the way recognise_space leaves it; time passes with move_clock (the timer
sweeper), and every step a person takes is a real request with a CSRF token. What is asserted is what
the people involved would notice: their inbox, the task page, the dossier, the public notices, and
403s where the rules say no.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from webapp.clock import clock
from webapp.engine.sandbox import last_day
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    ChangeFiling,
    HumanTask,
    ProcessInstance,
    Report,
)

from .conftest import pdf
from .flow import move_clock
from .lifecycle import (
    FIRST_REPORT,
    HALF_YEAR,
    REPORT,
    SPACE_NAME,
    field_errors,
    forbidden,
    inbox_links,
    inbox_task,
    move_clock_to,
    open_tasks,
    page,
    reports,
    space,
    submit,
    until_half_year_report,
)

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
    dossier = page(login("applicant_a"), f"/spaces/{space_id}")
    assert "迟报" in dossier  # as the step's instructions call it (记为迟报), not 逾期
    # the deadline as the step named it: its last day (a walk of the demo: the table showed the next day,
    # the midnight the period ends at, so a report handed in on that day read as late "on its deadline")
    report = reports(space_id)[0]
    assert f"<td>{last_day(report.deadline.isoformat())}</td>" in dossier


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
    response = operator.post(f"/tasks/{request_id}", {"change_type": "area", "change_description": "",
                                                      "new_total_area_m2": "1600"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "change_description")
    submit(operator, request_id, {"change_type": "area", "change_description": "场地由 1200 平方米扩至 1600 平方米",
                                  "new_total_area_m2": "1600", "file_change_evidence": pdf("租赁合同.pdf")})

    # the space's own recommending unit forwards; another unit can neither see nor complete it
    forward_id = inbox_task(unit, "推荐单位审核转报")
    assert "推荐单位审核转报" not in inbox_links(other_unit)
    forbidden(other_unit, "get", f"/tasks/{forward_id}")
    forbidden(other_unit, "post", f"/tasks/{forward_id}", {"forward_decision": "forward", "forward_comments": ""})
    assert "场地由 1200 平方米扩至 1600 平方米" in page(unit, f"/tasks/{forward_id}")  # what is to be forwarded
    # a return says what to change: without comments it is refused (the operator read "退回：" and nothing)
    response = unit.post(f"/tasks/{forward_id}", {"forward_decision": "return", "forward_comments": " "})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "forward_comments")
    submit(unit, forward_id, {"forward_decision": "return", "forward_comments": "请补充新场地租赁合同"})

    # back with the operator, with the unit's comments
    again_id = inbox_task(operator, "提交变更报备")
    assert "请补充新场地租赁合同" in page(operator, f"/tasks/{again_id}")
    assert "推荐单位审核转报" not in inbox_links(unit)
    submit(operator, again_id, {"change_type": "area", "change_description": "场地扩至 1600 平方米，已附新租赁合同",
                                "new_total_area_m2": "1600"})
    submit(unit, inbox_task(unit, "推荐单位审核转报"), {"forward_decision": "forward", "forward_comments": "同意转报"})

    # the Department files it
    assert "科技厅备案确认" not in inbox_links(unit)
    accept_id = inbox_task(login("approver"), "科技厅备案确认")
    response = login("approver").post(f"/tasks/{accept_id}", {"change_accepted": "no", "change_comments": ""})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "change_comments")
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




def test_a_filed_change_of_operator_moves_the_space_and_its_work(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    dossier = f"/spaces/{space_id}"
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    request_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    # the new operator is typed as its name and unified social credit code (test_change_filing_values.py)
    world["org_b"].credit_code = "91150100MA0Q1B2C3D"
    db.session.commit()
    response = operator.post(f"/tasks/{request_id}", {"change_type": "operator", "change_description": "运营机构变更"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "new_organisation_credit_code")
    submit(operator, request_id, {"change_type": "operator", "new_organisation_name": "鹿城众创孵化服务有限公司",
                                  "new_organisation_credit_code": "91150100MA0Q1B2C3D",
                                  "change_description": "运营机构变更为鹿城众创孵化服务有限公司",
                                  "file_change_evidence": pdf("营业执照.pdf")})
    submit(unit, inbox_task(unit, "推荐单位审核转报"), {"forward_decision": "forward", "forward_comments": ""})
    submit(login("approver"), inbox_task(login("approver"), "科技厅备案确认"),
           {"change_accepted": "yes", "change_comments": "予以备案"})
    assert space(space_id).organisation_id == world["org_b"].id
    forbidden(operator, "get", dossier)  # the former operator no longer sees it
    assert page(login("applicant_b"), dossier)
    move_clock_to(FIRST_REPORT)
    report_id = inbox_task(login("applicant_b"), HALF_YEAR)  # the next report goes to the new operator
    forbidden(operator, "get", f"/tasks/{report_id}")


def test_a_handed_in_report_can_be_read_by_those_who_read_the_dossier(login, world, space_id):
    """A walk of the demo: a submitted half-year report could not be opened by anyone, the Torch Center included."""
    operator = login("applicant_a")
    submit(operator, until_half_year_report(login), REPORT)
    [report] = reports(space_id)
    url = f"/spaces/{space_id}/reports/{report.id}"
    assert f'href="{url}"' in page(operator, f"/spaces/{space_id}")  # linked from the dossier's table
    for reader in ("applicant_a", "torch1", "recommender_a", "supervisor"):
        html = page(login(reader), url)
        figures = html.split('id="report-figures"', 1)[1].split("</table>", 1)[0]
        assert "公共服务面积（平方米）" in figures and f"<td>{REPORT['workstations']}</td>" in figures, reader
    forbidden(login("applicant_b"), "get", url)  # another operator, guessing the address
    assert login("torch1").get(f"/spaces/{space_id}/reports/{report.id + 1000}").status_code == 404
