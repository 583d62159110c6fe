"""The instance list (issue 8, item 1) and the exports (item 4): filters, keyset pages, a recommender's scope,
saved filters, and exports that hold exactly what the list shows.

Cases for the list are inserted as rows (the list reads only `process_instance` and `human_task`, never a
workflow), so a few hundred of them cost nothing; the PDF tests walk a real application through the routes.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import (
    Application,
    ApplicationRound,
    DefinitionBundle,
    Evaluation,
    HumanTask,
    MakerSpace,
    ProcessInstance,
    SavedFilter,
)
from webapp.supervision.instances import PAGE_SIZE

from .flow import complete, open_task, start_application, submit_application

ROW = re.compile(r'<tr data-id="(\d+)"')


def case(world, unit: str = "hohhot", *, process: str = "space_lifecycle", status: str = "running",
         step: str = "", created_hours_ago: float = 0, updated_hours_ago: float | None = None,
         bundle: DefinitionBundle | None = None, subject: tuple[str, int] = ("space", 0), title: str = "") -> int:
    bundle = bundle or db.session.scalars(select(DefinitionBundle).order_by(DefinitionBundle.version)).first()
    created = clock.now() - timedelta(hours=created_hours_ago)
    org = world["org_a"] if unit == "hohhot" else world["org_b"]
    instance = ProcessInstance(
        bundle_id=bundle.id, process_id=process, process_name=process, subject_type=subject[0],
        subject_id=subject[1], subject_title=title or f"{unit} {process}", organisation_id=org.id,
        unit_id=world[unit].id, status=status, state="{}", serializer_version="1", current_step=step,
        created_at=created,
        updated_at=created if updated_hours_ago is None else clock.now() - timedelta(hours=updated_hours_ago))
    db.session.add(instance)
    db.session.flush()
    return instance.id


def ids(html: str) -> list[int]:
    return [int(i) for i in ROW.findall(html)]


def listed(browser, query: str = "", expect: int = 200) -> list[int]:
    response = browser.get(f"/instances{'?' + query if query else ''}")
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    return ids(response.get_data(as_text=True))


def all_pages(browser, query: str = "") -> tuple[list[list[int]], str]:
    """Follow the next links from the first page; the pages' ids and the last page's html."""
    url = f"/instances{'?' + query if query else ''}"
    pages = []
    while True:
        html = browser.get(url).get_data(as_text=True)
        pages.append(ids(html))
        link = re.search(r'<a rel="next" href="([^"]+)"', html)
        if not link:
            return pages, html
        url = link.group(1).replace("&amp;", "&")
        assert len(pages) < 50, "the pages never end"


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    assert response.data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


# ---- filters ---------------------------------------------------------------------------------------------


def test_each_filter_narrows_the_list(login, world):
    second_round = ApplicationRound(title="2026年第二批", year=2026, batch=2, opens_at=clock.now(),
                                    closes_at=clock.now() + timedelta(days=30))
    v2 = DefinitionBundle(version=99, checksum="x", files={}, process_ids=["recognition"], note="")
    db.session.add_all([second_round, v2])
    db.session.flush()
    first_round = db.session.scalars(select(ApplicationRound).where(ApplicationRound.id != second_round.id)).one()
    apps = []
    for round_ in (first_round, second_round):
        application = Application(round_id=round_.id, organisation_id=world["org_a"].id,
                                  unit_id=world["hohhot"].id, space_name="空间")
        db.session.add(application)
        db.session.flush()
        apps.append(application.id)
    c = {
        "recog_r1": case(world, process="recognition", step="推荐单位审核", subject=("application", apps[0]),
                         created_hours_ago=24 * 40),
        "recog_r2": case(world, process="recognition", step="材料完整性审核", subject=("application", apps[1]),
                         bundle=v2),
        "life_done": case(world, status="completed", created_hours_ago=24 * 5),
        "baotou": case(world, "baotou", step="半年报告", created_hours_ago=1),
    }
    overdue_task = HumanTask(instance_id=c["baotou"], task_guid="g1", task_spec="report", title="半年报告",
                             lane="applicant", status="open", due_at=clock.now() - timedelta(days=1))
    done_late = HumanTask(instance_id=c["recog_r1"], task_guid="g2", task_spec="x", title="x", lane="recommender",
                          status="completed", due_at=clock.now() - timedelta(days=3))
    not_yet_due = HumanTask(instance_id=c["recog_r2"], task_guid="g3", task_spec="y", title="y", lane="torch_center",
                            status="open", due_at=clock.now() + timedelta(days=3))
    db.session.add_all([overdue_task, done_late, not_yet_due])
    db.session.commit()
    supervisor = login("supervisor")

    assert set(listed(supervisor)) == set(c.values())
    assert set(listed(supervisor, "procedure=recognition")) == {c["recog_r1"], c["recog_r2"]}
    assert listed(supervisor, "version=99") == [c["recog_r2"]]
    assert listed(supervisor, "step=材料") == [c["recog_r2"]]
    assert listed(supervisor, "status=completed") == [c["life_done"]]
    assert listed(supervisor, f"unit={world['baotou'].id}") == [c["baotou"]]
    assert listed(supervisor, f"round={second_round.id}") == [c["recog_r2"]]
    assert listed(supervisor, "overdue=y") == [c["baotou"]]  # open and past due; done-late and not-yet-due are not
    since = (clock.now() - timedelta(days=10)).date().isoformat()
    until = (clock.now() - timedelta(days=2)).date().isoformat()
    assert listed(supervisor, f"created_from={since}&created_to={until}") == [c["life_done"]]
    assert set(listed(supervisor, f"created_from={since}")) == {c["life_done"], c["baotou"], c["recog_r2"]}
    # by name: the space or application's own, or its organisation's (a walk of the demo: no way to find a case
    # by the name people know it by); LIKE's own characters are only text
    named = case(world, "baotou", title="北疆青创工场", created_hours_ago=2)
    db.session.commit()
    assert listed(supervisor, "name=青创") == [named]
    assert set(listed(supervisor, "name=鹿城众创")) == {c["baotou"], named}  # org_b's cases, whatever their title
    assert listed(supervisor, "name=%25") == []  # a typed % is a percent sign, not "anything"
    assert set(listed(supervisor)) == {*c.values(), named}
    # filters combine
    assert listed(supervisor, "procedure=recognition&step=推荐") == [c["recog_r1"]]
    # a mistyped filter is refused with a message, never widened to everything
    assert listed(supervisor, "created_from=2026-13-40", expect=400) == []
    assert listed(supervisor, f"created_from={until}&created_to={since}", expect=400) == []


def test_sort_by_created_or_updated_either_way(login, world):
    old_touched = case(world, created_hours_ago=10, updated_hours_ago=0)
    new_untouched = case(world, created_hours_ago=1, updated_hours_ago=5)
    db.session.commit()
    supervisor = login("supervisor")
    assert listed(supervisor) == [new_untouched, old_touched]
    assert listed(supervisor, "order=asc") == [old_touched, new_untouched]
    assert listed(supervisor, "sort=updated") == [old_touched, new_untouched]
    assert listed(supervisor, "sort=updated&order=asc") == [new_untouched, old_touched]


@pytest.mark.parametrize("query", ["", "order=asc", "sort=updated", "sort=updated&order=asc&status=running"])
def test_keyset_pages_have_no_duplicates_and_no_gaps(login, world, query):
    # Groups of three share a timestamp, so the id must break ties or rows would repeat or vanish at edges.
    made = []
    for i in range(2 * PAGE_SIZE + 17):
        made.append(case(world, created_hours_ago=i // 3, updated_hours_ago=(i * 7 % 40) // 2,
                         status="running" if i % 5 else "completed"))
    db.session.commit()
    wanted = {"status": "running"} if "status=running" in query else {}
    rows = [r for r in db.session.scalars(select(ProcessInstance)) if r.status == wanted.get("status", r.status)]
    column = "updated_at" if "sort=updated" in query else "created_at"
    expected = [r.id for r in sorted(rows, key=lambda r: (getattr(r, column), r.id),
                                     reverse="order=asc" not in query)]

    pages, last_html = all_pages(login("supervisor"), query)
    assert [len(p) for p in pages[:-1]] == [PAGE_SIZE] * (len(pages) - 1)
    assert [i for p in pages for i in p] == expected

    # and back again from the last page, by the previous links
    back = [ids(last_html)]
    html = last_html
    while link := re.search(r'<a rel="prev" href="([^"]+)"', html):
        html = login("supervisor").get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
        back.insert(0, ids(html))
    assert back == pages
    # cursors never use OFFSET: a page is addressed by the last (sort value, id) it showed
    assert "offset" not in last_html.lower()


def test_a_row_names_the_unit_and_the_version_in_the_list_and_in_its_export(login, world):
    v2 = DefinitionBundle(version=7, checksum="y", files={}, process_ids=["space_lifecycle"], note="")
    db.session.add(v2)
    db.session.flush()
    hohhot, baotou = case(world, "hohhot", created_hours_ago=1), case(world, "baotou", bundle=v2)
    db.session.commit()
    html = login("supervisor").get("/instances").get_data(as_text=True)
    cells = {int(i): row for i, row in re.findall(r'<tr data-id="(\d+)">(.*?)</tr>', html, re.S)}
    assert world["hohhot"].name in cells[hohhot] and ">v1<" in cells[hohhot]
    assert world["baotou"].name in cells[baotou] and ">v7<" in cells[baotou]
    exported = {row[0]: row for row in xlsx_rows(login("supervisor").get("/instances/export.xlsx"))[1:]}
    assert (exported[hohhot][3], exported[hohhot][6]) == ("v1", world["hohhot"].name)
    assert (exported[baotou][3], exported[baotou][6]) == ("v7", world["baotou"].name)
    # a recommender's rows name its unit too (its filter offers only that one)
    own = xlsx_rows(login("recommender_a").get("/instances/export.xlsx"))[1:]
    assert [(row[0], row[6]) for row in own] == [(hohhot, world["hohhot"].name)]


def test_a_mangled_cursor_starts_at_the_first_page(login, world):
    first = case(world)
    db.session.commit()
    assert listed(login("supervisor"), "after=not-a-cursor") == [first]


# ---- scope -----------------------------------------------------------------------------------------------


def test_a_recommender_lists_filters_and_exports_only_its_own_unit(login, world):
    own = [case(world, "hohhot", created_hours_ago=i) for i in range(3)]
    other = [case(world, "baotou", created_hours_ago=i, step="推荐单位审核") for i in range(3)]
    db.session.commit()
    recommender = login("recommender_a")
    assert set(listed(recommender)) == set(own)
    # a guessed filter for another unit finds nothing, and says nothing about that unit either
    guessed = f"unit={world['baotou'].id}"
    assert listed(recommender, guessed) == []
    assert listed(recommender, "step=推荐单位审核") == []
    assert world["baotou"].name not in recommender.get(f"/instances?{guessed}").get_data(as_text=True)
    # the same for its exports
    exported = xlsx_rows(recommender.get("/instances/export.xlsx"))
    assert sorted(row[0] for row in exported[1:]) == sorted(own)
    assert xlsx_rows(recommender.get(f"/instances/export.xlsx?{guessed}"))[1:] == []
    # the other unit's recommender sees the other half
    assert set(listed(login("recommender_b"))) == set(other)
    # and the others who oversee the procedure see all of it; applicants, experts and designers have no list
    for staff in ("supervisor", "torch1", "approver"):
        assert set(listed(login(staff))) == set(own + other)
    for outsider in ("applicant_a", "expert1", "designer"):
        assert login(outsider).get("/instances").status_code == 403
        assert login(outsider).get("/instances/export.xlsx").status_code == 403


def _space(world, unit: str, name: str, certificate: str) -> MakerSpace:
    org = world["org_a"] if unit == "hohhot" else world["org_b"]
    space = MakerSpace(name=name, organisation_id=org.id, unit_id=world[unit].id, certificate_no=certificate,
                       recognised_at=clock.now() - timedelta(days=800))
    db.session.add(space)
    db.session.flush()
    return space


def test_registry_and_evaluation_exports_are_scoped_like_the_registry(login, world):
    mine = _space(world, "hohhot", "青城创客空间", "NMG-ZC-2024-001")
    theirs = _space(world, "baotou", "鹿城众创空间", "NMG-ZC-2024-002")
    db.session.add_all([
        Evaluation(space_id=mine.id, score=91.5, grade="excellent", comments=["服务体系完善"], at=clock.now()),
        Evaluation(space_id=theirs.id, score=65, grade="pass", comments=[], at=clock.now(), materials_late=True),
    ])
    db.session.commit()

    registry = xlsx_rows(login("supervisor").get("/spaces/export.xlsx"))
    assert registry[0][:4] == ["证书编号", "众创空间名称", "运营机构", "推荐单位"]
    assert sorted(r[1] for r in registry[1:]) == ["青城创客空间", "鹿城众创空间"]
    assert {r[5] for r in registry[1:]} == {"已认定"}  # statuses in Chinese
    evaluations = xlsx_rows(login("torch1").get("/evaluations/export.xlsx"))
    assert evaluations[0][:6] == ["众创空间名称", "证书编号", "推荐单位", "考核日期", "考核得分", "考核等级"]
    assert sorted((r[0], r[4], r[5]) for r in evaluations[1:]) == [("青城创客空间", 91.5, "优秀"), ("鹿城众创空间", 65, "合格")]

    recommender = login("recommender_a")
    assert [r[1] for r in xlsx_rows(recommender.get("/spaces/export.xlsx"))[1:]] == ["青城创客空间"]
    assert [r[0] for r in xlsx_rows(recommender.get("/evaluations/export.xlsx"))[1:]] == ["青城创客空间"]
    applicant_b = login("applicant_b")
    assert [r[0] for r in xlsx_rows(applicant_b.get("/evaluations/export.xlsx"))[1:]] == ["鹿城众创空间"]


def test_evaluation_result_pdf_in_chinese_and_only_for_those_who_see_the_space(login, world):
    mine = _space(world, "hohhot", "青城创客空间", "NMG-ZC-2024-001")
    evaluation = Evaluation(space_id=mine.id, score=91.5, grade="excellent", comments=["服务体系完善，孵化成效明显"],
                            at=clock.now())
    db.session.add(evaluation)
    db.session.commit()
    url = f"/evaluations/{evaluation.id}/result.pdf"
    text = pdf_text(login("supervisor").get(url))
    for expected in ("自治区众创空间绩效考核结果", "青城创客空间", "91.50", "优秀", "服务体系完善"):
        assert expected in text, (expected, text)
    assert login("recommender_a").get(url).status_code == 200
    assert login("applicant_a").get(url).status_code == 200
    for other in ("recommender_b", "applicant_b", "expert1"):
        assert login(other).get(url).status_code == 403
    assert f'/evaluations/{evaluation.id}/result.pdf' in login("applicant_a").get(f"/spaces/{mine.id}").get_data(as_text=True)


def test_recommendation_letter_pdf(login, world):
    letter = "经审核，该空间场地、导师和服务均符合认定条件，同意推荐。"
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    url = f"/applications/{application_id}/recommendation-letter.pdf"
    assert login("torch1").get(url).status_code == 404  # not recommended yet: no letter
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": letter, "recommender_comments": ""})
    text = pdf_text(login("torch1").get(url))
    for expected in ("推", "青城创客空间", "呼和浩特市科技局", "同意推荐"):
        assert expected in text, (expected, text)
    assert login("recommender_a").get(url).status_code == 200
    assert url in login("recommender_a").get(f"/applications/{application_id}").get_data(as_text=True)
    for other in ("recommender_b", "applicant_a", "expert1"):
        assert login(other).get(url).status_code == 403


# ---- exports hold exactly the list -----------------------------------------------------------------------


def test_the_xlsx_export_holds_exactly_the_rows_of_the_filtered_list(login, world):
    for i in range(PAGE_SIZE + 12):
        case(world, "hohhot" if i % 2 else "baotou", created_hours_ago=i // 2,
             status="completed" if i % 7 == 0 else "running", step="半年报告" if i % 3 else "评估自评")
    db.session.commit()
    query = "status=running&step=半年报告&order=asc"
    pages, _ = all_pages(login("supervisor"), query)
    assert len(pages) == 1 or len(pages[0]) == PAGE_SIZE
    shown = [i for p in pages for i in p]
    page = login("supervisor").get(f"/instances?{query}").get_data(as_text=True)
    link = re.search(r'id="export-xlsx" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == parse_qs(query)  # the export link carries the filter
    rows = xlsx_rows(login("supervisor").get(link))
    assert rows[0] == ["编号", "办理对象", "流程", "版本", "状态", "当前环节", "推荐单位", "创建时间", "最近变更",
                       "下一定时", "有超期事项"]
    assert [r[0] for r in rows[1:]] == shown
    assert {r[4] for r in rows[1:]} == {"进行中"} and {r[5] for r in rows[1:]} == {"半年报告"}

    # more pages than one: the export still holds them all
    everything = [i for p in all_pages(login("torch1"))[0] for i in p]
    assert len(everything) > PAGE_SIZE
    assert [r[0] for r in xlsx_rows(login("torch1").get("/instances/export.xlsx"))[1:]] == everything


def test_an_export_too_large_is_refused_with_a_message(app, login, world):
    for i in range(4):
        case(world, created_hours_ago=i)
    db.session.commit()
    app.config["EXPORT_MAX_ROWS"] = 3
    response = login("supervisor").get("/instances/export.xlsx?status=running")
    assert response.status_code == 302 and "status=running" in response.headers["Location"]
    assert "导出最多 3 行" in login("supervisor").get(response.headers["Location"]).get_data(as_text=True)


# ---- saved filters ---------------------------------------------------------------------------------------


def test_saved_filters_belong_to_their_user(login, world):
    running = case(world)
    case(world, status="completed")
    db.session.commit()
    torch1 = login("torch1")
    page = torch1.get("/instances?status=running&after=junk").get_data(as_text=True)
    assert "保存/分享此筛选" in page
    assert re.search(r'id="share-link"[^>]*value="http://localhost/instances\?status=running"', page)
    response = torch1.post("/instances/filters", {"name": "进行中的案件", "query": "status=running&after=x&bogus=1"},
                           from_page="/instances")
    assert response.status_code == 302 and response.headers["Location"].endswith("/instances?status=running")
    saved = db.session.scalars(select(SavedFilter)).one()
    assert (saved.name, saved.query) == ("进行中的案件", "status=running")  # only the filter, normalised
    page = torch1.get("/instances").get_data(as_text=True)
    assert '<a href="/instances?status=running">进行中的案件</a>' in page
    assert listed(torch1, saved.query) == [running]

    # another person neither sees nor removes it
    assert "进行中的案件" not in login("torch2").get("/instances").get_data(as_text=True)
    assert login("torch2").post(f"/instances/filters/{saved.id}/delete", {}, from_page="/instances").status_code == 403
    # a nameless filter is refused with a message
    torch1.post("/instances/filters", {"name": " ", "query": "status=running"}, from_page="/instances")
    assert db.session.query(SavedFilter).count() == 1
    assert torch1.post(f"/instances/filters/{saved.id}/delete", {"confirm": "y"}, from_page="/instances").status_code == 302
    assert db.session.query(SavedFilter).count() == 0


def test_saving_under_a_name_already_used_replaces_that_filter(login, world):
    """Two saves under one name kept two links of that name, one of them stale: the second save now replaces
    the first, and the page says so."""
    torch1 = login("torch1")
    torch1.post("/instances/filters", {"name": "我的案件", "query": "status=running"}, from_page="/instances")
    login("torch2").post("/instances/filters", {"name": "我的案件", "query": "status=running"}, from_page="/instances")
    response = torch1.post("/instances/filters", {"name": " 我的案件 ", "query": "status=completed"}, from_page="/instances")
    assert response.status_code == 302 and response.headers["Location"].endswith("/instances?status=completed")
    page = torch1.get(response.headers["Location"]).get_data(as_text=True)
    assert "已更新筛选“我的案件”" in page and "筛选已保存" not in page
    mine = db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == world["users"]["torch1"].id)).all()
    assert [(f.name, f.query) for f in mine] == [("我的案件", "status=completed")]
    assert page.count(">我的案件</a>") == 1 and '<a href="/instances?status=completed">我的案件</a>' in page
    # another person's filter of the same name is theirs, and unchanged
    theirs = db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == world["users"]["torch2"].id)).all()
    assert [(f.name, f.query) for f in theirs] == [("我的案件", "status=running")]
    # a new name is saved beside it
    page = torch1.get(torch1.post("/instances/filters", {"name": "已办结", "query": "status=completed"},
                                  from_page="/instances").headers["Location"]).get_data(as_text=True)
    assert "筛选已保存" in page
    assert "再次保存，将替换原来的筛选" in page  # said beside the name field
    # (copies of one name saved before this rule: migration 0010 keeps the newest, tests/web/test_saved_filter_names.py)


def _filter_form_as_sent(html: str, **chosen) -> list[tuple[str, str]]:
    """What a browser sends when 筛选 is pressed on the page: every field of the filter form with the value
    it shows (a select's selected option, else its first), overridden by `chosen`."""
    form = re.search(r'<form[^>]*method="get"[^>]*>(.*?)</form>', html, re.S).group(1)
    sent = []
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        values = re.findall(r'<option([^>]*)value="([^"]*)"', options)
        picked = next((value for attrs, value in values if "selected" in attrs), values[0][1])
        sent.append((name, chosen.get(name, picked)))
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name and 'type="checkbox"' not in tag:
            value = re.search(r'value="([^"]*)"', tag)
            sent.append((name.group(1), chosen.get(name.group(1), value.group(1) if value else "")))
    return sent


def test_the_filter_form_works_as_the_page_sends_it(login, world):
    """Pressing 筛选 with what the form shows: every "any" choice used to be sent as "None", refused as no
    choice, and the list disappeared whatever was picked."""
    from urllib.parse import urlencode

    torch = login("torch1")
    start_application(login("applicant_a"), name="青城创客空间")
    start_application(login("applicant_b"), name="鹿城众创空间")
    html = torch.get("/instances").get_data(as_text=True)
    response = torch.get("/instances?" + urlencode(_filter_form_as_sent(html)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert "青城创客空间" in page and "鹿城众创空间" in page
    # one choice made, the rest as shown: only that unit's case
    baotou = str(world["baotou"].id)
    page = torch.get("/instances?" + urlencode(_filter_form_as_sent(html, unit=baotou))).get_data(as_text=True)
    assert "鹿城众创空间" in page and "青城创客空间" not in page


def test_a_procedure_without_a_case_yet_is_offered_under_its_diagram_s_name(login, world):
    """The procedure filter named processes by their cases; one with none yet showed its identifier
    ("change_filing")."""
    html = login("torch1").get("/instances").get_data(as_text=True)
    options = dict(re.findall(r'<option[^>]*value="([a-z_]+)"[^>]*>([^<]+)</option>',
                              re.search(r'<select[^>]*name="procedure".*?</select>', html, re.S).group(0)))
    assert options["change_filing"] == "重大事项变更报备" and options["national_filing"] != "national_filing"
    assert all(not re.fullmatch(r"[a-z_]+", name) for name in options.values()), options
