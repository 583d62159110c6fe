"""Saved filters of the case list: one filter per person and name, kept by the database itself (a unique key,
migration 0010) rather than by row locks SQLite ignores, so two saves at once under one name leave one filter;
and removing a saved filter asks first."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests.conftest import make_app
from webapp.clock import clock
from webapp.extensions import db
from webapp.maintenance.schema import upgrade_database
from webapp.models import SavedFilter
from webapp.supervision import saved_filters

from .schema_tools import bare_database


def _mine(world, user="torch1") -> list[tuple[str, str]]:
    db.session.expire_all()
    return sorted((f.name, f.query) for f in db.session.scalars(
        sa.select(SavedFilter).where(SavedFilter.user_id == world["users"][user].id)))


def test_the_database_refuses_a_second_filter_of_the_same_name_for_one_person(world):
    torch1, torch2 = world["users"]["torch1"].id, world["users"]["torch2"].id
    db.session.add(SavedFilter(user_id=torch1, name="我的案件", query="status=running"))
    db.session.commit()
    db.session.add(SavedFilter(user_id=torch1, name="我的案件", query="status=completed"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(SavedFilter(user_id=torch2, name="我的案件", query="status=completed"))  # another person's: fine
    db.session.commit()
    assert _mine(world) == [("我的案件", "status=running")]


def test_a_save_that_meets_a_filter_saved_meanwhile_under_its_name_replaces_it(world, monkeypatch):
    """The race: this save looked for the name and found none, then another request committed a filter of
    that name before this one inserted. The insert is refused by the key, and the save updates that row."""
    user_id = world["users"]["torch1"].id
    with db.engine.begin() as other_request:  # committed by someone else, unseen by the lookup below
        other_request.execute(sa.insert(SavedFilter.__table__),
                              {"user_id": user_id, "name": "我的案件", "query": "status=running",
                               "created_at": clock.now()})
    monkeypatch.setattr(saved_filters, "_named", lambda user_id, name: None)  # the lookup ran before that commit
    created = saved_filters.save(user_id, "我的案件", "status=completed")
    db.session.commit()
    assert created is False
    assert _mine(world) == [("我的案件", "status=completed")]


def test_removing_a_saved_filter_asks_first(login, world):
    torch1 = login("torch1")
    torch1.post("/instances/filters", {"name": "进行中的案件", "query": "status=running"}, from_page="/instances")
    saved = db.session.scalars(sa.select(SavedFilter)).one()
    page = torch1.get("/instances").get_data(as_text=True)
    link = f'/instances/filters/{saved.id}/delete'
    assert f'href="{link}"' in page  # the list offers removal as a link to the question, not as a bare button

    question = torch1.get(link)
    assert question.status_code == 200
    html = question.get_data(as_text=True)
    assert "删除保存的筛选“进行中的案件”？" in html and 'name="confirm"' in html

    # A removal posted without the confirmation (an old page's ×, a stray click) only asks the question.
    response = torch1.post(link, {}, from_page=link)
    assert response.status_code == 400 and "请勾选确认后再删除" in response.get_data(as_text=True)
    assert _mine(world) == [("进行中的案件", "status=running")]

    response = torch1.post(link, {"confirm": "y"}, from_page=link)
    assert response.status_code == 302
    assert "已删除保存的筛选" in torch1.get(response.headers["Location"]).get_data(as_text=True)
    assert _mine(world) == []
    # another person's filter is neither shown nor removed
    db.session.add(SavedFilter(user_id=world["users"]["torch2"].id, name="x", query=""))
    db.session.commit()
    theirs = db.session.scalar(sa.select(SavedFilter.id))
    assert torch1.get(f"/instances/filters/{theirs}/delete").status_code == 403
    assert torch1.post(f"/instances/filters/{theirs}/delete", {"confirm": "y"},
                       from_page="/instances").status_code == 403


@pytest.fixture
def bare_app(tmp_path):
    app = make_app(tmp_path)
    with bare_database(app):
        yield app


def test_the_migration_keeps_the_newest_of_filters_saved_twice_under_one_name(bare_app):
    upgrade_database("0009_attachment_form_key")
    now = clock.now()
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO user_account (username, display_name, email, password_hash, role, active) "
            "VALUES ('t1', 't1', 't1@example.test', 'x', 'torch_center', :yes), "
            "('t2', 't2', 't2@example.test', 'x', 'torch_center', :yes)"), {"yes": True})
        t1, t2 = connection.execute(sa.text("SELECT id FROM user_account ORDER BY username")).scalars().all()
        rows = [(t1, "我的案件", "status=running", now - timedelta(days=2)),
                (t1, "我的案件", "status=completed", now),  # the newest of its name, though not the last row
                (t1, "我的案件", "status=cancelled", now - timedelta(days=1)),
                (t1, "已办结", "status=completed", now - timedelta(days=3)),
                (t2, "我的案件", "status=running", now - timedelta(days=5)),
                (t2, "同时", "a=1", now), (t2, "同时", "a=2", now)]  # saved in one instant: the later row stays
        for user_id, name, query, at in rows:
            connection.execute(sa.text("INSERT INTO saved_filter (user_id, name, query, created_at) "
                                       "VALUES (:u, :n, :q, :at)"), {"u": user_id, "n": name, "q": query, "at": at})
    upgrade_database()
    with db.engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT user_id, name, query FROM saved_filter")).all()
    assert sorted(kept) == sorted([(t1, "我的案件", "status=completed"), (t1, "已办结", "status=completed"),
                                   (t2, "我的案件", "status=running"), (t2, "同时", "a=2")])
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO saved_filter (user_id, name, query, created_at) "
                                   "VALUES (:u, '已办结', '', :at)"), {"u": t1, "at": now})
