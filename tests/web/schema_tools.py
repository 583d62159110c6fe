"""Helpers for the migration and backup tests: a database with no tables at all, on SQLite or PostgreSQL.

The shared `app` fixture makes its schema with create_all (and, on PostgreSQL, only empties it between
tests). These tests need a database as an operator meets it — empty, then migrated — so they drop every
table (Alembic's too) and, when done, drop them again and let the next test's fixture re-create its schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from tests.conftest import _schema_ready
from webapp.clock import clock
from webapp.extensions import db


def drop_everything() -> None:
    """Drop every table in the database (reflected, so Alembic's and those of other revisions too)."""
    db.session.remove()  # an open session would hold locks that DROP waits for
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


@contextmanager
def bare_database(app) -> Iterator[None]:
    """Inside `app`'s context: a database without tables; afterwards none again, for the next test."""
    with app.app_context():
        drop_everything()
        try:
            yield
        finally:
            db.session.rollback()
            drop_everything()
            _schema_ready.discard(str(db.engine.url))  # the next `app` fixture re-creates its schema
            clock.reset()


def row_counts() -> dict[str, int]:
    """Rows per table (Alembic's version table left out)."""
    db.session.remove()
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    with db.engine.connect() as connection:
        return {table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
                for table in metadata.sorted_tables if table.name != "alembic_version"}


def revision() -> str | None:
    from webapp.maintenance.schema import current_revision

    with db.engine.connect() as connection:
        return current_revision(connection)


def head() -> str:
    from alembic.script import ScriptDirectory

    from webapp.maintenance.schema import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
