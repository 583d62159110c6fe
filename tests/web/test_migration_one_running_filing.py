"""Migration 0011: one change filing of a space under way at a time, kept by a partial unique index. A
database that already holds two running filings of one space (started before the app checked) is not
changed: the upgrade stops and names the cases; once the surplus one has ended, it goes through. Run with
scripts/with-postgres for PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import START, make_app
from webapp.extensions import db
from webapp.maintenance.schema import upgrade_database

from .schema_tools import bare_database, head, revision

BEFORE = "0010_saved_filter_unique_name"


@pytest.fixture
def bare_app(tmp_path):
    app = make_app(tmp_path)
    with bare_database(app):
        yield app


def _cases(connection, *rows: tuple[str, int, str]) -> list[int]:
    """Cases (process, space, status) of one definitions version, as an earlier release left them."""
    tables = sa.MetaData()
    tables.reflect(bind=connection, only=["definition_bundle", "process_instance"])
    bundle, instance = tables.tables["definition_bundle"], tables.tables["process_instance"]
    bundle_id = connection.scalar(sa.select(bundle.c.id)) or connection.execute(sa.insert(bundle).values(
        version=1, checksum="x", files={}, process_ids=["change_filing"], note="", deployed_at=START)
    ).inserted_primary_key[0]
    return [connection.execute(sa.insert(instance).values(
        bundle_id=bundle_id, process_id=process, process_name="变更报备", subject_type="space", subject_id=space,
        subject_title="青城创客空间", status=status, state="{}", serializer_version="1", current_step="",
        lock_version=1, has_open_fault=False, created_at=START, updated_at=START)).inserted_primary_key[0] for process, space, status in rows]


def test_two_running_filings_of_one_space_stop_the_upgrade_until_one_has_ended(bare_app):
    upgrade_database(BEFORE)
    with db.engine.begin() as connection:
        first, second, *_ = _cases(connection, ("change_filing", 7, "running"), ("change_filing", 7, "running"),
                                   ("change_filing", 8, "running"), ("change_filing", 8, "cancelled"),
                                   ("evaluation", 8, "running"))
    with pytest.raises(RuntimeError) as refused:
        upgrade_database()
    said = str(refused.value)
    assert f"space 7: cases {first}, {second}" in said and "space 8" not in said and "withdraw" in said
    db.session.remove()
    assert revision() == BEFORE  # nothing changed

    with db.engine.begin() as connection:  # the operator withdrew the second one
        connection.execute(sa.text("UPDATE process_instance SET status = 'cancelled' WHERE id = :id"), {"id": second})
    upgrade_database()
    assert revision() == head()
    with db.engine.begin() as connection:  # a second running filing of a space is refused by the database now,
        _cases(connection, ("change_filing", 9, "running"), ("change_filing", 9, "completed"))  # others are not
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE process_instance SET status = 'running' WHERE id = :id"), {"id": second})
