"""Paged, indexed lists (issue 10, item 4): the inbox in keyset pages of 50 with counts per task type and a
filter to one type, every role's inbox scoped exactly as before, address parameters that can narrow an inbox
but never widen it, and the indexes that serve the inbox's and the instance list's sorts (checked with the
database's own EXPLAIN, on SQLite and, under scripts/with-postgres, on PostgreSQL).

Tasks are inserted as rows (the inbox reads only `human_task` and its case's row), so a few hundred cost
nothing.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import event, select, text

from webapp import paging
from webapp.clock import clock
from webapp.extensions import db
from webapp.inbox import listing
from webapp.models import DefinitionBundle, HumanTask, ProcessInstance, User
from webapp.supervision import instances

PAGE = listing.PAGE_SIZE
INBOX_TABLE = re.compile(r'<table class="list" id="inbox">(.*?)</table>', re.S)
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')
REVIEW, PANEL, OBJECTION = "材料完整性审核", "组织专家评审", "异议调查核实"


# ---- rows ------------------------------------------------------------------------------------------------


def case(world, unit: str = "hohhot", title: str = "", created_hours_ago: float = 0) -> int:
    bundle = db.session.scalars(select(DefinitionBundle)).first()
    org = world["org_a"] if unit == "hohhot" else world["org_b"]
    created = clock.now() - timedelta(hours=created_hours_ago)
    row = ProcessInstance(bundle_id=bundle.id, process_id="recognition", process_name="众创空间认定",
                          subject_type="application", subject_id=0, subject_title=title or f"{unit}的空间",
                          organisation_id=org.id, unit_id=world[unit].id, status="running", state="{}",
                          serializer_version="1", created_at=created, updated_at=created)
    db.session.add(row)
    db.session.flush()
    return row.id


def tasks(world, n: int, *, lane: str = "torch_center", title: str = REVIEW, unit: str = "hohhot",
          due=lambda i: i // 3, assignee: str | None = None, status: str = "open") -> list[int]:
    """n open tasks of one case; `due(i)` gives the i-th task's due date in days from now (None: no due date).
    Groups of three share a due date, so the id must break ties at page edges."""
    instance_id = case(world, unit)
    org = world["org_a"] if unit == "hohhot" else world["org_b"]
    rows = []
    for i in range(n):
        days = due(i)
        rows.append(HumanTask(
            instance_id=instance_id, task_guid=f"{instance_id}-{lane}-{title}-{i}", task_spec=f"spec_{title}",
            title=title, lane=lane, organisation_id=org.id, unit_id=world[unit].id,
            assignee_id=world["users"][assignee].id if assignee else None, status=status,
            due_at=None if days is None else clock.now() + timedelta(days=days)))
    db.session.add_all(rows)
    db.session.flush()
    return [row.id for row in rows]


def in_inbox_order(ids: list[int]) -> list[int]:
    rows = db.session.scalars(select(HumanTask).where(HumanTask.id.in_(ids))).all()
    return [r.id for r in sorted(rows, key=lambda r: (r.due_at is None, r.due_at or clock.now(), r.id))]


# ---- pages as a person sees them ---------------------------------------------------------------------------


def shown(html: str) -> list[int]:
    """The task ids listed in the inbox table, in order."""
    table = INBOX_TABLE.search(html)
    assert table, html[:2000]
    return [int(i) for i in TASK_LINK.findall(table.group(1))]


def inbox(browser, url: str = "/") -> str:
    response = browser.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return unescape(found.group(1)) if found else None


def walk(browser, url: str = "/") -> tuple[list[list[int]], list[str]]:
    """Follow the next links from `url`, then the previous links back; each page's ids going forward, and
    the pages' html."""
    pages, htmls = [], []
    while url:
        htmls.append(inbox(browser, url))
        pages.append(shown(htmls[-1]))
        url = link(htmls[-1], "next")
        assert len(pages) < 40, "the pages never end"
    back, html = [pages[-1]], htmls[-1]
    while url := link(html, "prev"):
        html = inbox(browser, url)
        back.insert(0, shown(html))
        # a page reached going back leads forward again: its next link gives the page it was reached from
        forward = link(html, "next")
        assert forward and shown(inbox(browser, forward)) == back[1], "no way forward from a page reached going back"
    assert back == pages, "walking back by the previous links gives other pages"
    return pages, htmls


def summary(html: str) -> str:
    found = re.search(r'<p class="muted" id="inbox-summary">(.*?)</p>', html, re.S)
    return unescape(found.group(1)) if found else ""


def type_links(html: str) -> dict[str, str]:
    """The counts per type as shown: {"材料完整性审核 · 60": link, …}."""
    nav = re.search(r'<nav class="task-types" id="task-types"[^>]*>(.*?)</nav>', html, re.S)
    if not nav:
        return {}
    return {unescape(text).strip(): unescape(href)
            for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav.group(1))}


@contextmanager
def statements():
    """The SQL statements run inside, with any OFFSET that is not 0 marked "OFFSET n" (SQLite's dialect
    writes "LIMIT ? OFFSET ?" with 0 for every limit)."""
    seen: list[str] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "OFFSET" in statement.upper():
            # only the SQLite dialect writes OFFSET for a bare limit, with a positional 0 as the last parameter
            skipped = parameters[-1] if isinstance(parameters, tuple | list) and parameters else None
            statement = statement if skipped != 0 else re.sub(r"(?i)\bOFFSET \?", "", statement)
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)


# ---- pages -----------------------------------------------------------------------------------------------


def test_a_group_inbox_walks_in_pages_of_50_and_loses_or_repeats_no_task(login, world):
    # 80 tasks with due dates (ties in threes), then 77 without: the page where the dated ones run out holds
    # both, and the later pages are addressed by a task without a due date.
    dated = tasks(world, 80)
    undated = tasks(world, 77, due=lambda i: None)
    tasks(world, 5, lane="approver")  # another group's work
    db.session.commit()
    expected = in_inbox_order(dated) + sorted(undated)

    with statements() as sql:
        pages, htmls = walk(login("torch1"))
    assert [len(p) for p in pages] == [PAGE, PAGE, PAGE, 7]
    assert [i for p in pages for i in p] == expected  # every task once, earliest due first, undated last
    assert not [s for s in sql if "FROM human_task" in s and "OFFSET" in s.upper()]  # keyset: a deep page costs what the first does
    # each page says where it is in the whole inbox, and how the list is ordered
    assert summary(htmls[0]).startswith("第 1–50 条，共 157 条待办")
    assert summary(htmls[1]).startswith("第 51–100 条，共 157 条待办")
    assert summary(htmls[3]).startswith("第 151–157 条，共 157 条待办")
    assert "最早到期的在前，无期限的在最后" in summary(htmls[0])
    assert link(htmls[0], "prev") is None and link(htmls[3], "next") is None


def test_the_inbox_costs_the_same_statements_for_10_tasks_or_160(login, world):
    tasks(world, 10)
    db.session.commit()
    torch = login("torch1")
    inbox(torch)
    with statements() as few:
        inbox(torch)
    tasks(world, 150)
    db.session.commit()
    with statements() as many:
        html = inbox(torch)
    assert len(shown(html)) == PAGE
    assert len(many) == len(few)  # no statement per row: the cases and claimers come with the page
    assert sum("GROUP BY" in s for s in many) == 1  # the counts per type: one grouped COUNT


def test_a_page_link_whose_tasks_were_done_meanwhile_shows_a_full_page(login, world):
    ids = in_inbox_order(tasks(world, 120))
    db.session.commit()
    torch = login("torch1")
    first = inbox(torch)
    second = inbox(torch, link(first, "next"))
    third_url = link(second, "next")
    # everything from the third page on is done by colleagues meanwhile: the old link shows the last page
    db.session.execute(HumanTask.__table__.update().where(HumanTask.id.in_(ids[100:])).values(status="completed"))
    db.session.commit()
    assert shown(inbox(torch, third_url)) == ids[50:100]
    # and the first tasks are done: going back from the second page shows a whole first page, not a stub
    db.session.execute(HumanTask.__table__.update().where(HumanTask.id.in_(ids[:10])).values(status="completed"))
    db.session.commit()
    back = inbox(torch, link(second, "prev"))
    assert shown(back) == ids[10:60] and link(back, "prev") is None
    assert summary(back).startswith("第 1–50 条，共 90 条待办")


# ---- counts per type and the type filter --------------------------------------------------------------------


def test_counts_per_type_and_a_type_filter_that_pages_too(login, world):
    review = tasks(world, 60, title=REVIEW)
    tasks(world, 7, title=PANEL)
    tasks(world, 3, title=OBJECTION, due=lambda i: None)
    tasks(world, 9, lane="approver", title="拟定入选名单")  # not the Torch Center's
    tasks(world, 4, title=PANEL, status="completed")  # done: not counted
    db.session.commit()
    torch = login("torch1")
    html = inbox(torch)
    counts = type_links(html)
    assert list(counts) == ["全部待办 · 70", f"{REVIEW} · 60", f"{PANEL} · 7", f"{OBJECTION} · 3"]
    assert 'aria-current="page">全部待办' in html

    # clicking a type lists only that type, in pages of 50 of its own
    pages, htmls = walk(torch, counts[f"{REVIEW} · 60"])
    assert [i for p in pages for i in p] == in_inbox_order(review)
    assert [len(p) for p in pages] == [PAGE, 10]
    assert summary(htmls[1]).startswith(f"“{REVIEW}”：第 51–60 条，共 60 条")
    assert type_links(htmls[1]) == counts  # every type is still offered, the chosen one marked
    assert f'aria-current="page">{REVIEW} · 60' in htmls[1]


def test_one_type_needs_no_counts_and_an_unknown_type_lists_nothing(login, world):
    tasks(world, 3)
    db.session.commit()
    torch = login("torch1")
    html = inbox(torch)
    assert type_links(html) == {} and html.count(REVIEW) == 3  # one per row; the total says the rest
    assert summary(html).startswith("第 1–3 条，共 3 条待办")
    other = inbox(torch, "/?type=不存在的环节")
    assert shown(other) == [] and "没有此类待办" in other and "全部待办 · 3" in type_links(other)


# ---- scope: the address narrows an inbox, never widens it -----------------------------------------------------


CRAFTED = ["after=0001-01-01T00:00:00Z,1", "before=9999-12-31T23:59:59Z,2147483647",
           "after=-,1", "before=-,2147483647", "type=推荐单位审核", "type=" + REVIEW]


@pytest.mark.parametrize("who, own", [
    ("recommender_a", dict(lane="recommender", title="推荐单位审核", unit="hohhot")),
    ("applicant_a", dict(lane="applicant", title="补正材料", unit="hohhot")),
    ("expert1", dict(lane="expert", title="专家独立评分", assignee="expert1")),
])
def test_each_inbox_holds_its_own_tasks_only_whatever_the_address_says(login, world, who, own):
    mine = tasks(world, 55, **own)
    # the same kind of work for someone else: the other unit / organisation / expert
    others = tasks(world, 30, lane="recommender", title="推荐单位审核", unit="baotou")
    others += tasks(world, 30, lane="applicant", title="补正材料", unit="baotou")
    others += tasks(world, 30, lane="expert", title="专家独立评分", assignee="expert2")
    others += tasks(world, 30, lane="torch_center", title=REVIEW)
    db.session.commit()
    browser = login(who)

    pages, htmls = walk(browser)
    assert sorted(i for p in pages for i in p) == sorted(mine)
    assert summary(htmls[0]).startswith("第 1–50 条，共 55 条待办")
    for query in CRAFTED:
        html = inbox(browser, f"/?{query}")
        assert set(shown(html)) <= set(mine), query
        assert all(shown.endswith("· 55") for shown in type_links(html)), query  # counts of its own only


def test_an_account_without_its_organisation_or_unit_has_an_empty_inbox(login, world):
    tasks(world, 3, lane="applicant", title="补正材料")
    tasks(world, 3, lane="recommender", title="推荐单位审核")
    nobody = {"applicant_a": "organisation_id", "recommender_a": "unit_id"}
    for name, column in nobody.items():
        setattr(world["users"][name], column, None)
    db.session.execute(HumanTask.__table__.update().values(organisation_id=None, unit_id=None))
    db.session.commit()
    for name in nobody:
        html = inbox(login(name))
        assert shown(html) == [] and "没有待办" in html, name


@pytest.mark.parametrize("query", [
    "after=x", "before=", "after=2026-13-01T00:00:00Z,5", "after=-,abc", "after=-,-1", "after=-,0",
    "after=-,99999999999999999999999", "after=-,2147483648", "after=0001-01-01T00:00:00+14:00,1", "after=2026-03-01T00:00:00Z",
    "after=2026-03-01T00:00:00+08:00Z,3", "after=-,1&before=-,9", "type=" + "长" * 300, "after=%00,1",
    "type=%E6%9D%90%00", "type=%20",
    "after=１２,3", "before=-,١٢",
])
def test_a_bad_page_link_shows_the_first_page_and_says_so(login, world, query):
    ids = in_inbox_order(tasks(world, 60))
    db.session.commit()
    response = login("torch1").get(f"/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if query != "before=":  # an empty parameter is simply no parameter
        assert "翻页链接无法识别" in html, query
    assert shown(html) == ids[:PAGE]


# ---- the instance list: keyset pages that are never short or empty, scope kept --------------------------


def listed(browser, query: str = "") -> tuple[list[int], str]:
    html = browser.get(f"/instances{'?' + query if query else ''}").get_data(as_text=True)
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)], html


def test_the_instance_list_keeps_its_pages_whole_and_its_scope(login, world):
    own = [case(world, "hohhot", created_hours_ago=i // 3) for i in range(2 * instances.PAGE_SIZE + 5)]
    other = [case(world, "baotou", created_hours_ago=i) for i in range(20)]
    db.session.commit()
    newest_first = sorted(own, key=lambda i: (-(db.session.get(ProcessInstance, i).created_at.timestamp()), -i))
    recommender = login("recommender_a")
    first, html = listed(recommender)
    assert first == newest_first[:50] and 'rel="prev"' not in html
    assert "本页 50 个案件（每页最多 50 个），按“创建时间”排列，从新到旧。" in html
    # a cursor from before the newest case: the first page, with no way back to an empty page
    rows, html = listed(recommender, "after=2999-01-01T00:00:00Z,1")
    assert rows == newest_first[:50] and 'rel="prev"' not in html and "翻页链接无法识别" not in html
    # a cursor past the oldest case: the last page, whole, never another unit's cases
    rows, html = listed(recommender, "after=2000-01-01T00:00:00Z,1")
    assert rows == newest_first[-50:] and 'rel="next"' not in html
    # going back from near the start: a whole first page
    rows, _ = listed(recommender, f"before={instances.Cursor(db.session.get(ProcessInstance, newest_first[3]).created_at, newest_first[3])}")
    assert rows == newest_first[:50]
    # next, next, previous: the middle page again, and from it a way forward to the last page
    _, html = listed(recommender)
    _, html = listed(recommender, unescape(re.search(r'<a rel="next" href="/instances\?([^"]+)"', html).group(1)))
    _, html = listed(recommender, unescape(re.search(r'<a rel="next" href="/instances\?([^"]+)"', html).group(1)))
    rows, html = listed(recommender, unescape(re.search(r'<a rel="prev" href="/instances\?([^"]+)"', html).group(1)))
    assert rows == newest_first[50:100]
    forward = re.search(r'<a rel="next" href="/instances\?([^"]+)"', html)
    assert forward, "no way forward from a page reached going back"
    assert listed(recommender, unescape(forward.group(1)))[0] == newest_first[100:]
    for query in ("sort=updated", "sort=updated&order=asc", "after=-,1", "before=9999-01-01T00:00:00Z,1"):
        rows, _ = listed(recommender, query)
        assert rows and not set(rows) & set(other), query
    # links no list writes (or no database could compare with): the first page, saying so, never an error page
    for query in ("after=2026-01-01T00:00:00Z,2147483648", "before=0001-01-01T00:00:00+14:00,5",
                  "after=9999-12-31T23:59:59-14:00,5", "after=2026-01-01T00:00:00Z,١٢",
                  "after=-,1"):  # no sort value: every case has a creation time
        response = recommender.get(f"/instances?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)] == first
        assert "翻页链接无法识别（可能已过期），已显示第一页。" in html, query  # as the inbox says it
    assert listed(recommender, "step=%E6%8E%A8%00")[0] == []  # a NUL matches nothing (PostgreSQL refused it)


# ---- the indexes: the database's own plans ---------------------------------------------------------------


@contextmanager
def plans_of_what_runs():
    """Collect (statement, parameters) run inside; yields a function giving each SELECT's plan as text. On
    PostgreSQL sequential scans and sorts are priced out first, so a sort left in the plan means that no index
    can give the order (the tables here are small, where a planner rightly prefers to sort)."""
    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    connection = db.session.connection()
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
            connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        yield lambda: [(statement, "\n".join(" ".join(map(str, row)) for row in connection.exec_driver_sql(
            ("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, params)))
            for statement, params in list(seen) if statement.lstrip().upper().startswith("SELECT")]
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)


def sorts(plan: str) -> bool:
    return "TEMP B-TREE FOR ORDER BY" in plan or re.search(r"(^|\s)Sort\b", plan) is not None


def db_is_postgres() -> bool:
    return bool(os.environ.get("MAKERSPACE_TEST_DATABASE_URL", "").startswith("postgresql"))


# SQLite keeps no statistics unless someone runs ANALYZE (the app does not), so its plans are checked both
# ways; PostgreSQL's autovacuum always gathers them.
ANALYZED = [True] if db_is_postgres() else [False, True]


@pytest.mark.parametrize("analyzed", ANALYZED, ids=lambda a: "analyzed" if a else "no-statistics")
@pytest.mark.parametrize("who, index", [
    ("torch1", "ix_human_task_inbox_lane"), ("recommender_a", "ix_human_task_inbox_unit"),
    ("applicant_a", "ix_human_task_inbox_organisation"), ("expert1", "ix_human_task_inbox_assignee"),
])
def test_every_inbox_page_is_read_in_order_from_its_index(world, who, index, analyzed):
    tasks(world, 60, lane="torch_center")
    tasks(world, 60, lane="recommender", title="推荐单位审核")
    tasks(world, 60, lane="recommender", title="推荐单位审核", unit="baotou")
    tasks(world, 60, lane="applicant", title="补正材料")
    tasks(world, 60, lane="expert", title="专家独立评分", assignee="expert1")
    tasks(world, 10, lane="torch_center", due=lambda i: None)
    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == who))
    if analyzed:
        db.session.execute(text("ANALYZE"))
    with plans_of_what_runs() as plans:
        first = listing.inbox_page(user, {})
        listing.inbox_page(user, {"after": str(first.next)})  # the boundary page and a position count
        listing.inbox_page(user, {"before": str(paging.Cursor(None, paging.MAX_ID))})  # from the end, backwards
        listing.inbox_page(user, {"type": first.types[0].title})
        found = plans()
    assert len(found) >= 8
    group = who == "torch1"
    for statement, plan in found:
        # a type filter may also be served by (status, lane, title, due_at, id); the counts of a part of a
        # lane never walk the whole lane
        by_title = "ix_human_task_inbox_lane_title" in plan and (group or "title = " in statement)
        # Counting the tasks without a due date: with statistics showing few of them, PostgreSQL may read them
        # from the lane's index as well (its condition stops at due_at IS NULL, so it reads only those) — a
        # coin toss between two good plans, not a walk of the lane.
        undated_count = (db_is_postgres() and statement.lstrip().upper().startswith("SELECT COUNT(")
                         and "ix_human_task_inbox_lane " in plan + " " and "due_at IS NULL" in plan)
        assert index in plan or by_title or undated_count, (statement, plan)
        assert not sorts(plan), (statement, plan)  # no sort step: the index gives the order
    if db_is_postgres():  # SQLite's plan does not tell IS NOT NULL from a cursor's bound
        cursor_pages = [plan for statement, plan in found if "due_at >=" in statement or "due_at <=" in statement]
        assert cursor_pages and all(starts_at_cursor(plan, "due_at") for plan in cursor_pages), cursor_pages
    counts = [plan for statement, plan in found if "GROUP BY" in statement]
    assert counts and all(("ix_human_task_inbox_lane_title" in plan) == group for plan in counts), counts


@pytest.mark.parametrize("analyzed", ANALYZED, ids=lambda a: "analyzed" if a else "no-statistics")
@pytest.mark.parametrize("who, query, index", [
    ("supervisor", "", "ix_process_instance_created"),
    ("supervisor", "sort=updated&order=asc", "ix_process_instance_updated"),
    ("supervisor", "status=completed", "ix_process_instance_status_created"),
    ("supervisor", "status=completed&sort=updated", "ix_process_instance_status_updated"),
    ("supervisor", "procedure=recognition&sort=updated", "ix_process_instance_process_updated"),
    ("supervisor", "version=1&sort=updated&order=asc", "ix_process_instance_bundle_updated"),
    ("recommender_a", "", "ix_process_instance_unit_created"),
    ("recommender_a", "sort=updated", "ix_process_instance_unit_updated"),
])
def test_every_instance_list_sort_is_read_from_an_index(app, world, who, query, index, analyzed):
    made = [case(world, "hohhot" if i % 4 else "baotou", created_hours_ago=i) for i in range(140)]
    db.session.execute(ProcessInstance.__table__.update().where(ProcessInstance.id.in_(made[::2]))
                       .values(status="completed"))
    for instance_id in made:  # each case's steps: done ones, and an open one of which a third are overdue
        db.session.add_all([HumanTask(instance_id=instance_id, task_guid=f"t{instance_id}-{n}", task_spec="s",
                                      title="t", lane="torch_center", status="open" if n == 0 else "completed",
                                      due_at=clock.now() + timedelta(days=instance_id % 3 - 1)) for n in range(8)])
    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == who))
    if analyzed:
        db.session.execute(text("ANALYZE"))
    from urllib.parse import parse_qs

    from werkzeug.datastructures import MultiDict
    with app.test_request_context():
        form = instances.filter_form(user, MultiDict({k: v[0] for k, v in parse_qs(query).items()}))
        assert form.validate(), form.errors
        filters = instances.Filters.from_form(form)
    with plans_of_what_runs() as plans:
        first = instances.page(user, filters)
        instances.page(user, filters, after=first.next)
        instances.overdue_ids(first.rows)
        found = plans()
    listed = [(s, p) for s, p in found if "FROM process_instance" in s]
    assert len(listed) >= 3
    for statement, plan in listed:
        assert index in plan and not sorts(plan), (statement, plan)
    # past the first page the scan starts at the cursor: the sort column is bounded in the index search,
    # not filtered row by row from the start of the list
    column = "updated_at" if "updated" in query else "created_at"
    for statement, plan in listed[1:]:
        assert starts_at_cursor(plan, column), (statement, plan)
    # the page's overdue marks: looked up by its cases, not by walking every overdue task (on PostgreSQL,
    # whose estimates are good, a small table may rightly be read by another index)
    overdue = [p for s, p in found if "FROM human_task" in s]
    wanted = "Index" if db_is_postgres() else "ix_human_task_instance"
    assert overdue and all(wanted in p for p in overdue), overdue


def starts_at_cursor(plan: str, column: str) -> bool:
    return re.search(rf"\b{column}[<>]\?", plan) is not None or re.search(
        rf"Index Cond: .*\b{column} [<>]=", plan) is not None
