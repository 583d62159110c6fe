"""年度绩效考核安排 (Art. 18, R16): the year's three-yearly evaluations, by recognition date and filing level.

Each space's lifecycle records its next evaluation (`MakerSpace.next_evaluation_at`); the first falls three
years after recognition. Spaces are recognised here at chosen moments of the test clock; filing levels and
revocations are set on the registry directly (the page only reads them). Ordering tests read the page in
English (`?lang=en`, the msgids); one test reads it in Chinese, as users see it by default.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from tests.conftest import START
from webapp.clock import clock
from webapp.evaluations import service
from webapp.extensions import db
from webapp.models import MakerSpace, ProcessInstance
from webapp.simulation import recognised_space_now

from .flow import move_clock
from .lifecycle import SELF_ASSESSMENT, make_recognised_space, move_clock_to, page
from .test_lifecycle_evaluation_web import live_until_self_assessment

CHINA = ZoneInfo("Asia/Shanghai")
ORG_A, ORG_B = "青城创客科技有限公司", "鹿城众创孵化服务有限公司"
HOHHOT, BAOTOU = "呼和浩特市科技局", "包头市科技局"
READERS = ["torch1", "approver", "supervisor"]
REFUSED = ["applicant_a", "recommender_a", "expert1", "designer"]


def set_status(space_id: int, status: str) -> None:
    db.session.get(MakerSpace, space_id).status = status
    db.session.commit()


def of_b(world, name: str) -> int:
    """A space of organisation B (unit baotou) recognised now."""
    return recognised_space_now(name, world["org_b"].id, world["baotou"].id).id


def schedule(browser, year: int | None = None, lang: str = "en") -> list[list[str]]:
    """The schedule table's rows as the user reads them: one list of cell texts per space."""
    query = "&".join(part for part in (f"year={year}" if year else "", f"lang={lang}" if lang else "") if part)
    html = page(browser, "/evaluations/schedule" + (f"?{query}" if query else ""))
    table = re.search(r'<table class="list" id="schedule">(.*?)</table>', html, re.S).group(1)
    return [[htmllib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r'<tr class="space-\d+">(.*?)</tr>', table, re.S)]


def names(rows: list[list[str]]) -> list[str]:
    return [row[1] for row in rows]


def at_china(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


# ---- who is evaluated when, in what order ------------------------------------------------------------


def test_the_year_lists_spaces_by_recognition_date_then_filing_level(login, world):
    jia = make_recognised_space(world, "甲空间")  # 2026-03-02 09:00, regional
    move_clock_to(at_china(2026, 4, 1, 9, 0))
    yi = of_b(world, "乙空间")  # recognised first that day, filed as national
    move_clock(days=0.25)
    bing = make_recognised_space(world, "丙空间")  # later the same day, national professional
    make_recognised_space(world, "丁空间")  # the same day, regional
    ji = make_recognised_space(world, "己空间")  # the same day, then revoked
    geng = of_b(world, "庚空间")  # the same day, then left the system
    move_clock_to(at_china(2026, 5, 20, 9, 0))
    wu = of_b(world, "戊空间")  # later, in rectification: still a regional space, still evaluated
    set_status(yi, "national")
    set_status(bing, "national_professional")
    set_status(wu, "rectification")
    set_status(ji, "revoked")
    set_status(geng, "left")
    # the first evaluation falls three years after recognition (R16)
    assert db.session.get(MakerSpace, jia).next_evaluation_at == START.replace(year=2029)

    rows = schedule(login("torch1"), 2029)
    assert names(rows) == ["甲空间", "丙空间", "乙空间", "丁空间", "戊空间"]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0] == ["1", "甲空间", ORG_A, HOHHOT, "2026-03-02", "Regional maker space", "2029-03-02",
                       "Not started yet"]
    assert rows[1][1:] == ["丙空间", ORG_A, HOHHOT, "2026-04-01", "National professional maker space", "2029-04-01",
                           "Not started yet"]
    assert rows[2][1:] == ["乙空间", ORG_B, BAOTOU, "2026-04-01", "National maker space", "2029-04-01",
                           "Not started yet"]
    assert [row[5] for row in rows[3:]] == ["Regional maker space"] * 2
    assert rows[4][4:7] == ["2026-05-20", "Regional maker space", "2029-05-20"]
    html = page(login("torch1"), "/evaluations/schedule?year=2029&lang=en")
    assert f'href="/spaces/{jia}"' in html and f'href="/spaces/{wu}"' in html
    assert f'href="/spaces/{ji}"' not in html and f'href="/spaces/{geng}"' not in html
    # nothing falls due in the years between
    for year in (2026, 2027, 2028, 2030):
        assert schedule(login("torch1"), year) == []


def test_the_year_is_the_china_calendar_year(login, world):
    move_clock_to(at_china(2026, 12, 31, 23, 0))
    late = make_recognised_space(world, "岁末空间")  # due 2029-12-31 23:01 China time (15:01 UTC)
    move_clock(days=1 / 24)
    early = make_recognised_space(world, "新年空间")  # due 2030-01-01 00:01 China time (2029-12-31 16:01 UTC)
    assert db.session.get(MakerSpace, early).next_evaluation_at.year == 2029  # in UTC
    assert names(schedule(login("approver"), 2029)) == ["岁末空间"]
    assert names(schedule(login("approver"), 2030)) == ["新年空间"]
    assert [row[6] for row in schedule(login("approver"), 2030)] == ["2030-01-01"]
    assert late != early


def test_a_running_evaluation_case_shows_its_current_step(login, world, space_id):
    assert names(schedule(login("supervisor"), 2029)) == ["青城创客空间"]
    live_until_self_assessment(login, space_id)  # three years on, the evaluation case waits for the operator
    case = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == "evaluation", ProcessInstance.subject_id == space_id)).one()
    assert case.status == "running"
    (row,) = schedule(login("supervisor"), 2029)
    assert row[7] == f"In progress · {SELF_ASSESSMENT}"
    assert f'href="/instances/{case.id}"' in page(login("supervisor"), "/evaluations/schedule?year=2029")
    # a revoked space drops off the schedule, running case or not
    set_status(space_id, "revoked")
    assert schedule(login("supervisor"), 2029) == []


def test_an_ended_evaluation_is_shown_as_done_not_as_not_started(login, world, space_id):
    """A space that failed keeps its due date while under rectification (the next one is set when it
    passes again): the schedule said its evaluation had not started."""
    live_until_self_assessment(login, space_id)
    case = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == "evaluation", ProcessInstance.subject_id == space_id)).one()
    case.status = "completed"  # graded, as the evaluation diagram ends
    set_status(space_id, "rectification")
    (row,) = schedule(login("supervisor"), 2029)
    assert row[7] == "Evaluated · under rectification"
    (row,) = schedule(login("supervisor"), 2029, lang="zh")
    assert row[7] == "已考核 · 整改中"


def test_a_space_evaluated_this_year_stays_on_this_year_s_list(login, world, space_id):
    """A walk of the demo: once evaluated and passed, the space's next evaluation moved three years on and it
    vanished from the list of the year it was evaluated in."""
    live_until_self_assessment(login, space_id)
    case = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == "evaluation", ProcessInstance.subject_id == space_id)).one()
    case.status = "completed"
    space = db.session.get(MakerSpace, space_id)
    space.next_evaluation_at = space.next_evaluation_at.replace(year=space.next_evaluation_at.year + 3)
    db.session.commit()
    (row,) = schedule(login("supervisor"), 2029, lang="zh")
    assert row[7].startswith("已考核")
    assert schedule(login("supervisor"), 2032) and names(schedule(login("supervisor"), 2032)) == names([row])


def test_the_schedule_is_read_with_two_queries_and_never_loads_a_workflow(app, world):
    for name in ("甲空间", "乙空间", "丙空间"):
        make_recognised_space(world, name)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = service.evaluations_due(2029)
        shown = [(r.space.name, r.space.organisation.name, r.space.unit.name, r.level, r.case) for r in rows]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [s[0] for s in shown] == ["甲空间", "乙空间", "丙空间"]
    assert len(statements) == 2, statements  # the year's due spaces, and those evaluated in it already
    assert all("process_instance.state" not in statement for statement in statements)


# ---- the year shown, access, language -------------------------------------------------------------------


def test_the_current_year_by_the_app_clock_is_shown_first(login, world):
    assert "Evaluations due in 2026: 0" in page(login("torch1"), "/evaluations/schedule?lang=en")
    # 2026-12-31 16:30 UTC is already 2027 in China
    move_clock_to(at_china(2027, 1, 1, 0, 30))
    assert clock.now().astimezone(ZoneInfo("UTC")).year == 2026
    assert "Evaluations due in 2027: 0" in page(login("torch1"), "/evaluations/schedule?lang=en")
    # a year that is not one falls back to the current year
    for bad in ("abc", "99999", "-1"):
        assert "Evaluations due in 2027: 0" in page(login("torch1"), f"/evaluations/schedule?year={bad}&lang=en")


def test_only_torch_center_the_department_and_supervisors_see_the_schedule(login, world):
    for name in READERS:
        assert login(name).get("/evaluations/schedule").status_code == 200, name
        assert 'href="/evaluations/schedule"' in page(login(name), "/")
    for name in REFUSED:
        assert login(name).get("/evaluations/schedule?year=2029").status_code == 403, name
        assert 'href="/evaluations/schedule"' not in page(login(name), "/")
    response = login(None).get("/evaluations/schedule")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_schedule_speaks_chinese(login, world):
    make_recognised_space(world, "甲空间")
    set_status(of_b(world, "乙空间"), "national")
    set_status(make_recognised_space(world, "丙空间"), "national_professional")
    html = page(login("torch1"), "/evaluations/schedule?year=2029")
    main = re.search(r"<main>(.*)</main>", html, re.S).group(1)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", main))
    assert not re.findall(r"[A-Za-z]+", text), re.findall(r"[A-Za-z]+", text)
    for words in ("年度绩效考核安排", "序号", "认定日期", "备案级别", "考核到期日", "考核案件", "尚未启动",
                  "国家专业化众创空间", "国家众创空间", "自治区众创空间", "上一年度", "下一年度"):
        assert words in text, words
    assert ">年度绩效考核安排</a>" in html  # the link in the menu
    assert re.search(r"<button>\s*查看\s*</button>", html)
