"""Bringing a database to the newest schema with the Alembic migrations in migrations/.

Databases made before migrations existed (by create_all, with no `alembic_version` table) hold exactly the
baseline revision's schema: they are *stamped* with it — recorded as being at the baseline without running
it — and then upgraded like any other. Before stamping, their tables and columns are compared with what the
baseline creates (built in a scratch in-memory database), so a database of some other shape is refused
with the differences named instead of being marked as something it is not.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from flask import current_app

from webapp.extensions import db

BASELINE = "0001_baseline"  # the first revision: the schema create_all made before migrations existed
VERSION_TABLE = "alembic_version"
log = logging.getLogger(__name__)


class SchemaMismatch(RuntimeError):
    """The database has tables but no migration revision, and they are not the baseline's."""


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Flask-Migrate's Alembic configuration (migrations/), optionally run over an open connection."""
    config = current_app.extensions["migrate"].migrate.get_config()
    config.attributes["configure_logger"] = False  # migrations/env.py: keep the app's logging as it is
    if connection is not None:
        config.attributes["connection"] = connection  # migrations/env.py uses it instead of the app's engine
    return config


def current_revision(connection: sa.Connection) -> str | None:
    """The revision a database is at (None: no `alembic_version` table, or it is empty)."""
    heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if len(heads) == 1 else (",".join(heads) or None)


def upgrade_database(revision: str = "head") -> bool:
    """Migrate the app's database to `revision`; a database made before migrations is stamped with the
    baseline first. Returns whether it was stamped. Raises SchemaMismatch (nothing changed) if its tables
    are not the baseline's."""
    tables = set(sa.inspect(db.engine).get_table_names())
    stamped = False
    if VERSION_TABLE not in tables:
        baseline = baseline_columns()
        if tables & baseline.keys():
            if problems := _differences(baseline, _columns(db.engine)):
                raise SchemaMismatch(
                    "the database has tables but no migration revision, and they are not the baseline's "
                    f"({BASELINE}): " + "; ".join(problems))
            command.stamp(alembic_config(), BASELINE)
            stamped = True
            log.warning("the database was made before migrations existed: stamped as %s, then upgraded", BASELINE)
    command.upgrade(alembic_config(), revision)
    return stamped


def baseline_columns() -> dict[str, set[str]]:
    """{table: column names} as the baseline revision creates them (in a scratch in-memory database)."""
    scratch = sa.create_engine("sqlite://")
    try:
        with scratch.begin() as connection:
            command.upgrade(alembic_config(connection), BASELINE)
        columns = _columns(scratch)
    finally:
        scratch.dispose()
    columns.pop(VERSION_TABLE, None)
    return columns


def _columns(engine: sa.Engine) -> dict[str, set[str]]:
    inspector = sa.inspect(engine)
    return {table: {column["name"] for column in inspector.get_columns(table)} for table in inspector.get_table_names()}


def _differences(expected: dict[str, set[str]], found: dict[str, set[str]]) -> list[str]:
    problems = [f"table {name} missing" for name in sorted(expected.keys() - found.keys())]
    problems += [f"table {name} unknown to the baseline" for name in sorted(found.keys() - expected.keys())]
    for name in sorted(expected.keys() & found.keys()):
        if missing := expected[name] - found[name]:
            problems.append(f"{name}: columns {', '.join(sorted(missing))} missing")
        if extra := found[name] - expected[name]:
            problems.append(f"{name}: columns {', '.join(sorted(extra))} unknown to the baseline")
    return problems
