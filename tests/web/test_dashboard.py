"""The dashboard (issue 8 item 3): its numbers on a small world, and a recommender's scoped to its unit."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import START
from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import Application, Evaluation, HumanTask

from .flow import (
    application_fields,
    complete,
    open_task,
    shortlisted,
    start_application,
    submit_application,
    with_files,
)
from .lifecycle import page


def _data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S).group(1))


def _section(html: str, name: str) -> str:
    start = html.index(f'id="dash-{name}"')
    return html[start:html.index("</section>", start)]


@pytest.fixture
def small_world(login, world, space_id):
    """Organisation A (呼和浩特): one application on its notice, one waiting at the recommender; organisation
    B (包头): one waiting at the recommender, overdue. A recognised space of A with evaluations in two years."""
    on_notice = shortlisted(login, world)
    a_waiting = start_application(login("applicant_a"), name="青城第二空间")
    submit_application(login, a_waiting)
    b_app = start_application(login("applicant_b"), name="鹿城众创空间")
    task = open_task(b_app, "submit_application")
    complete(login("applicant_b"), task, with_files(application_fields(space_name="鹿城众创空间")))
    # The recommenders' steps took 2, 4 and 9 days: the material review, done by torch1 on the notice case,
    # stays as it was. Times set on the rows, as the runtime would have written them over those days.
    recommender_rows = db.session.scalars(select(HumanTask).where(
        HumanTask.task_spec == "recommender_review", HumanTask.status == "completed")).all()
    assert len(recommender_rows) == 1
    recommender_rows[0].created_at = START
    recommender_rows[0].completed_at = START + timedelta(days=2)
    extra = []
    for days, app_id in ((4, a_waiting), (9, b_app)):
        row = open_task(app_id, "recommender_review")
        extra.append((row, days))
    db.session.commit()
    # complete the two waiting recommendations after 4 and 9 days (clock moved, no sweep needed)
    clock.freeze(START + timedelta(days=4))
    complete(login("recommender_a"), extra[0][0],
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    clock.freeze(START + timedelta(days=9))
    complete(login("recommender_b"), extra[1][0],
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    # Evaluations of the space: 2026 good 82 and fail 40; 2029 excellent 92; a withdrawn one left out.
    for at, grade, score, withdrawn in ((START, "good", 82, False), (START + timedelta(days=30), "fail", 40, False),
                                        (START + timedelta(days=3 * 365), "excellent", 92, False),
                                        (START + timedelta(days=3 * 365 + 5), "pass", 70, True)):
        db.session.add(Evaluation(space_id=space_id, grade=grade, score=score, withdrawn=withdrawn, at=at))
    db.session.commit()
    return {"on_notice": on_notice, "a_waiting": a_waiting, "b_app": b_app}


def test_the_dashboard_counts_cases_times_overdue_work_and_grades(login, world, small_world):
    # Ten more days: the material reviews opened on day 4 and day 9 (10 days each) — one is overdue.
    clock.freeze(START + timedelta(days=15))
    html = page(login("supervisor"), "/dashboard")
    data = _data(html)

    steps = dict(zip(data["steps"]["categories"], data["steps"]["series"][0]["data"], strict=True))
    assert steps["众创空间认定 · 材料完整性审核"] == 2
    assert steps["众创空间认定 · 公示中"] == 1  # the notice's date is left out of the group
    assert "公示中" in _section(html, "steps")

    units = {name: counts for name, counts in zip(data["units"]["categories"],
                                                   zip(*[s["data"] for s in data["units"]["series"]], strict=True), strict=True)}
    assert units["呼和浩特市科技局"][0] >= 2 and units["包头市科技局"][0] == 1

    times = {c: (m, s) for c, m, s in zip(data["times"]["categories"], data["times"]["series"][0]["data"],
                                           data["times"]["series"][1]["data"], strict=True)}
    assert times["众创空间认定 · 推荐单位审核"] == (4.0, 9.0)  # 2, 4 and 9 days: median 4, slowest 9
    assert 'class="num median">4.0<' in _section(html, "times")

    overdue = {row.group(1): (int(row.group(2)), int(row.group(3))) for row in re.finditer(
        r'<tr data-lane="(\w+)"><td>[^<]*</td><td class="num">(\d+)</td><td class="num overdue">(\d+)</td>', html)}
    assert overdue["torch_center"] == (2, 1)  # opened day 4 (due day 14: overdue), day 9 (due day 19)

    grades = _section(html, "grades")
    assert re.search(r'data-year="2026">.*?grade-good">1<.*?grade-fail">1<', grades, re.S)
    assert re.search(r'data-year="2029">.*?grade-excellent">1<.*?grade-pass">0<', grades, re.S)  # withdrawn left out
    assert "61.00" in grades  # the 2026 average of 82 and 40
    rounds = _section(html, "rounds")
    assert "2026年第一批" in rounds and "80.00" in rounds  # the scored application of the round


def test_a_recommender_sees_only_its_own_units_cases(login, world, small_world):
    clock.freeze(START + timedelta(days=15))
    html = page(login("recommender_b"), "/dashboard")
    data = _data(html)
    assert data["units"]["categories"] == ["包头市科技局"]
    assert "呼和浩特" not in html and "青城" not in html
    steps = dict(zip(data["steps"]["categories"], data["steps"]["series"][0]["data"], strict=True))
    assert steps == {"众创空间认定 · 材料完整性审核": 1}
    times = dict(zip(data["times"]["categories"], data["times"]["series"][1]["data"], strict=True))
    assert times["众创空间认定 · 推荐单位审核"] == 9.0  # its own only
    assert data["grades"]["categories"] == []  # the evaluated space is organisation A's


@pytest.mark.parametrize("username, status", [("applicant_a", 403), ("expert1", 403), ("designer", 403),
                                              ("approver", 200), ("torch1", 200), ("recommender_a", 200)])
def test_who_may_read_the_dashboard(login, world, username, status):
    assert login(username).get("/dashboard").status_code == status


def test_an_empty_dashboard_reads_without_charts(login, world):
    html = page(login("supervisor"), "/dashboard")
    assert "echarts.min.js" in html and _data(html)["steps"]["categories"] == []
    assert db.session.scalar(select(Application.id)) is None


def test_the_steps_chart_says_what_it_counts(login, world):
    """Its bars added up to more than the running cases, and a timer wait (考核到期) read as a step: the chart
    now says both."""
    page = login("supervisor").get("/dashboard").get_data(as_text=True)
    assert "同时处于两个环节的事项" in page and "合计可能多于在办事项数" in page


def test_a_result_counts_as_under_public_notice_exactly_while_its_notice_runs(login, world, space_id):
    """A three-yearly result is published for a notice period (公示) before it takes effect, and an objection
    may still withdraw it. The dashboard counted it as 公示中 while its evaluation case was running, which is
    not the notice: a case waits on after its notice's last day (until the sweeper fires the notice's end, or
    while an objection is decided), and the portal and the notice list already said 已结束. It now reads the
    result's public notice: 公示中 from its publication through the notice's last day (inclusive: the period
    ends at the next midnight, China time), then its grade and in the average; a withdrawn notice (an objection
    upheld, the space gone during the notice) takes the result out."""
    from webapp.models import DefinitionBundle, ProcessInstance, PublicNotice

    bundle = db.session.scalars(select(DefinitionBundle)).first()
    last_day_ends = datetime(2026, 3, 10, tzinfo=CHINA)  # 5 working days from Mon 2 March: through Mon 9 March

    def result(status: str, grade: str, score: int, *, ends_at=None, withdrawn: bool = False, upheld: bool = False) -> int:
        instance = ProcessInstance(bundle_id=bundle.id, process_id="evaluation", process_name="三年绩效考核",
                                   subject_type="space", subject_id=space_id, subject_title="考核",
                                   organisation_id=world["org_a"].id, unit_id=world["hohhot"].id, status=status,
                                   state="{}", serializer_version="1", current_step="")
        db.session.add(instance)
        db.session.flush()
        db.session.add(Evaluation(space_id=space_id, grade=grade, score=score, at=START, instance_id=instance.id,
                                  withdrawn=upheld))
        db.session.add(PublicNotice(subject_type="space", subject_id=space_id, title="众创空间绩效考核结果公示",
                                    starts_at=START, ends_at=ends_at or last_day_ends, instance_id=instance.id,
                                    grade=grade, score=score,
                                    withdrawn_at=START + timedelta(days=1) if withdrawn or upheld else None))
        return instance.id

    result("completed", "good", 82, ends_at=START + timedelta(days=1))  # its notice over, its case ended
    result("running", "excellent", 95)  # under notice through 9 March
    result("running", "pass", 60, ends_at=START + timedelta(days=1))  # notice over, the case not yet moved on
    result("cancelled", "pass", 70, withdrawn=True)  # the space left during the notice: never took effect
    result("running", "fail", 40, upheld=True)  # an objection upheld: withdrawn, the case reviewed again
    db.session.add(Evaluation(space_id=space_id, grade="fail", score=50, at=START))  # from before results had cases
    db.session.commit()

    def grade_row(moment) -> str:
        clock.freeze(moment)
        html = page(login("supervisor"), "/dashboard")
        return re.search(r'<tr data-year="2026">.*?</tr>', _section(html, "grades"), re.S).group(0), html

    row, html = grade_row(last_day_ends - timedelta(seconds=1))  # the notice's last day, 23:59:59
    assert "公示中" in _section(html, "grades")
    assert 'grade-excellent">0<' in row and 'grade-good">1<' in row and 'grade-fail">1<' in row
    assert 'grade-pass">1<' in row and 'under-notice">1<' in row
    assert "64.00" in row  # the average of the results in effect: 82, 60 and 50
    series = {s["name"]: s["data"] for s in _data(html)["grades"]["series"]}
    assert series["公示中"] == [1] and series["优秀"] == [0]

    row, _html = grade_row(last_day_ends)  # the next midnight: the notice is over, the grade counts
    assert 'grade-excellent">1<' in row and 'under-notice">0<' in row and "71.75" in row


def test_the_slowest_case_links_only_to_a_page_the_reader_may_open(login, world, small_world):
    """A recommender may not open the case page (403): its 最长（天） cells lead to the application instead;
    the Department's staff reach the case page."""
    clock.freeze(START + timedelta(days=15))
    recommender = login("recommender_b")
    times = _section(page(recommender, "/dashboard"), "times")
    links = re.findall(r'class="num slowest">(?:<a href="([^"]+)")?', times)
    assert links and all(links)
    assert all(not link.startswith("/instances/") for link in links)
    assert f"/applications/{small_world['b_app']}" in links
    assert all(recommender.get(link).status_code == 200 for link in links)
    supervisor = login("supervisor")
    links = re.findall(r'class="num slowest"><a href="([^"]+)"', _section(page(supervisor, "/dashboard"), "times"))
    assert links and all(link.startswith("/instances/") for link in links)
    assert all(supervisor.get(link).status_code == 200 for link in links)
