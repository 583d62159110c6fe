"""The trial run (issue 7, item 4): a draft runs on sample data with the clock moved forward, apart from real
cases; the designer sees the path, the tasks per role and the decisions. Nothing reaches the real database."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from sqlalchemy import func, select

from webapp.clock import clock
from webapp.engine.checks import check_files, errors
from webapp.engine.definitions import read_directory
from webapp.extensions import db
from webapp.models import (
    Application,
    AuditEvent,
    DefinitionBundle,
    HumanTask,
    MakerSpace,
    Notification,
    ProcessInstance,
    User,
)

from .test_designer_changes import with_extra_review

SMALL_SPACE = {"submit_application": {"controlled_area_m2": 450.0, "total_area_m2": 450.0, "public_area_m2": 225.0}}


@pytest.fixture
def bpmn_files(app):
    return read_directory(app.config["BPMN_DIR"])


def run(browser, files: dict[str, str], process: str = "recognition", answers: dict | None = None, months: str = ""):
    data = {"process_id": process, "horizon_months": months, "answers": json.dumps(answers or {}, ensure_ascii=False),
            "files": [(io.BytesIO(text.encode()), name) for name, text in files.items()]}
    return browser.post("/designer/trial", data)


def section(page: str, marker: str) -> str:
    """The HTML of the element that carries `marker` up to the end of its table."""
    start = page.index(marker)
    return page[start:page.index("</table>", start)]


def counts() -> dict[str, int]:
    db.session.expire_all()
    models = (ProcessInstance, HumanTask, Application, AuditEvent, Notification, MakerSpace, DefinitionBundle, User)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def test_an_added_task_shows_in_its_roles_list_with_the_decisions(app, login, world, bpmn_files):
    draft = with_extra_review(bpmn_files)["recognition.bpmn"]
    response = run(login("designer"), {"recognition.bpmn": draft})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # the new step opened in the Torch Center's inbox, not in anyone else's
    torch = section(page, 'data-role="torch_center"')
    assert "合规性复核" in torch and 'data-task-id="compliance_review"' in torch
    for role in ("applicant", "recommender", "expert", "approver"):
        assert "合规性复核" not in section(page, f'data-role="{role}"')
    assert "填写并提交申报书" in section(page, 'data-role="applicant"')
    assert "专家独立评分" in section(page, 'data-role="expert"')
    # the eligibility table ran on the sample application: no condition failed
    decisions = section(page, 'id="trial-decisions"')
    assert 'data-decision-id="eligibility"' in decisions and "可自主支配面积（平方米）：1200" in decisions
    # the path runs through the new step, the public notice's timer and the recognition, to the lifecycle
    path = page[page.index('id="trial-path"'):]
    assert path.index("合规性复核") < path.index("组织专家评审") < path.index("公示中") < path.index("认定并授牌")
    assert "众创空间在册管理" in path
    assert "公示中" in page[page.index('id="trial-timers"'):]
    cases = section(page, 'id="trial-cases"')
    assert "众创空间认定" in cases and "已认定" in cases


def test_a_moved_threshold_changes_the_decision(app, login, world, bpmn_files):
    designer = login("designer")
    # on the current table a 450 m² space fails eligibility and goes back to the applicant again and again
    dmn = re.sub(r"&lt;\s*500\b", "&lt; 400", bpmn_files["eligibility.dmn"])
    assert dmn != bpmn_files["eligibility.dmn"]
    page = run(designer, {"eligibility.dmn": dmn}, answers=SMALL_SPACE, months="1").get_data(as_text=True)
    decisions = section(page, 'id="trial-decisions"')
    assert "可自主支配面积（平方米）：450" in decisions and "不符合的条件：<strong>—</strong>" in decisions
    assert "推荐单位审核" in section(page, 'data-role="recommender"')
    # the designer's answer was used for the applicant's task
    used = json.loads(html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", page, re.S).group(1)))
    assert used["submit_application"]["controlled_area_m2"] == 450.0


def test_the_real_database_and_clock_are_untouched(app, login, world, bpmn_files):
    designer = login("designer")
    before, now = counts(), clock.now()
    page = run(designer, {"recognition.bpmn": with_extra_review(bpmn_files)["recognition.bpmn"]}).get_data(as_text=True)
    assert "合规性复核" in page and "认定并授牌" in page  # it did run, and far: through a timer into the lifecycle
    assert counts() == before
    assert clock.now() == now


def test_the_lifecycle_runs_years_ahead(app, login, world, bpmn_files):
    page = run(login("designer"), {"lifecycle.bpmn": bpmn_files["lifecycle.bpmn"]}, process="space_lifecycle").get_data(as_text=True)
    assert "半年度运营情况与统计报表" in section(page, 'data-role="applicant"')
    assert "专家考核评分" in section(page, 'data-role="expert"')
    decisions = section(page, 'id="trial-decisions"')
    assert "考核等级" in decisions and "考核奖励" in decisions


def test_a_draft_with_a_mistake_is_refused_with_the_checks_message(app, login, world, bpmn_files):
    xml = bpmn_files["recognition.bpmn"].replace("len(eligibility_failures) == 0", "len(eligibility_failures) ==")
    assert xml != bpmn_files["recognition.bpmn"]
    expected = [p for p in errors(check_files({**bpmn_files, "recognition.bpmn": xml}))]
    assert expected
    before = counts()
    response = run(login("designer"), {"recognition.bpmn": xml})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert str(expected[0]) in page and 'id="trial-report"' not in page
    assert counts() == before


def test_a_fault_at_run_time_is_reported_not_raised(app, login, world, bpmn_files):
    xml = bpmn_files["recognition.bpmn"].replace("<bpmn:script>submission_due = round_closes_at</bpmn:script>",
                                                 "<bpmn:script>submission_due = round_closes_at[1:] + 1</bpmn:script>")
    assert xml != bpmn_files["recognition.bpmn"]
    response = run(login("designer"), {"recognition.bpmn": xml})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="trial-fault"' in page and "流程存在故障" in page and "Traceback" not in page


def test_a_draft_that_loops_inside_a_script_is_stopped_at_its_cpu_limit(app, login, world, bpmn_files, monkeypatch):
    """An endless loop the checks cannot see as such passes them (`while True:` with no break is refused; the
    sandbox allows loops): the trial's child process is stopped.
    The child's diagram time budget (1 s of wall time, tested on its own elsewhere) is put out of the way:
    otherwise which of the two stops the loop first depends on how fast the machine is that moment."""
    monkeypatch.setenv("MAKERSPACE_DIAGRAM_TIME_BUDGET_SECONDS", "3600")  # read by the spawned child's app
    app.config["TRIAL_CPU_SECONDS"] = 2
    xml = bpmn_files["recognition.bpmn"].replace("<bpmn:script>submission_due = round_closes_at</bpmn:script>",
                                                 "<bpmn:script>n = 0\nwhile n &gt;= 0:\n    n = n + 1</bpmn:script>")
    assert xml != bpmn_files["recognition.bpmn"]
    before = counts()
    response = run(login("designer"), {"recognition.bpmn": xml})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "试运行已停止" in page and 'id="trial-report"' not in page
    assert counts() == before


def test_deeply_nested_sample_answers_are_a_form_error(app, login, world, bpmn_files):
    data = {"process_id": "recognition", "answers": "[" * 100_000, "files": [(io.BytesIO(b""), "")]}
    response = login("designer").post("/designer/trial", data)
    assert response.status_code == 422 and "嵌套层次过深" in response.get_data(as_text=True)


def test_bad_sample_answers_are_a_form_error(app, login, world, bpmn_files):
    designer = login("designer")
    data = {"process_id": "recognition", "answers": "{not json", "files": [(io.BytesIO(b""), "")]}
    response = designer.post("/designer/trial", data)
    assert response.status_code == 422 and "有效的 JSON" in response.get_data(as_text=True)


def test_only_designers_reach_the_trial(app, login, world, bpmn_files):
    assert login("designer").get("/designer/trial").status_code == 200
    assert 'href="/designer/trial"' in login("designer").get("/designer/").get_data(as_text=True)
    for username in ("supervisor", "torch1", "approver", "applicant_a"):
        browser = login(username)
        assert browser.get("/designer/trial").status_code == 403
        response = browser.post("/designer/trial", {"process_id": "recognition"}, from_page="/", csrf=True)
        assert response.status_code == 403
    assert login(None).get("/designer/trial").status_code in (302, 401)


def test_the_trial_clock_is_its_own_thread_s(app):
    """While a trial moves its clock, another thread (a real request, the sweeper) keeps the app's time."""
    import threading
    from datetime import timedelta

    real = clock.now()
    seen: list = []
    with clock.isolated(real):
        clock.advance(timedelta(days=3650))
        thread = threading.Thread(target=lambda: seen.append(clock.now()))
        thread.start()
        thread.join()
        assert clock.now() == real + timedelta(days=3650)
    assert seen == [real] and clock.now() == real


def test_sample_answers_too_long_are_a_form_error_not_a_page_about_files(app, login, world, bpmn_files):
    """An outside probe: 600 KB of sample answers (no file) met the page about files being too large, from the
    server's bound on a form's text; the form's own message says what is too long."""
    designer = login("designer")
    for answers in ('{"a": {"b": "' + "x" * 600_000 + '"}}', '{"a": {"b": "' + "样" * 200_000 + '"}}'):
        data = {"process_id": "recognition", "answers": answers, "files": [(io.BytesIO(b""), "")]}
        response = designer.post("/designer/trial", data)
        assert response.status_code == 422 and "样例答复过长。" in response.get_data(as_text=True)
