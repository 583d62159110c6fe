"""Shared fixtures: a fresh app and database per test, definitions deployed from bpmn/, a frozen clock."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from webapp import create_app
from webapp.clock import clock
from webapp.config import TestConfig
from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

# A Monday, so working-day arithmetic in scenarios is easy to follow.
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_app(tmp_path, **overrides):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(UPLOAD_DIR=str(tmp_path / "uploads"), SQLALCHEMY_ENGINE_OPTIONS={})
    if os.environ.get("MAKERSPACE_TEST_DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["MAKERSPACE_TEST_DATABASE_URL"]
    config.update(overrides)
    return create_app(config)


_schema_ready: set[str] = set()


def fresh_database() -> None:
    """An empty database for each test: in-memory SQLite is new anyway; on a server (PostgreSQL) the
    schema is created once per run and emptied between tests, which is much faster than re-creating it."""
    url = str(db.engine.url)
    if db.engine.dialect.name == "sqlite" or url not in _schema_ready:
        db.drop_all()
        db.create_all()
        _schema_ready.add(url)
        return
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        fresh_database()
        deploy(read_directory(app.config["BPMN_DIR"]), note="tests")
        db.session.commit()
        clock.freeze(START)
        try:
            yield app
        finally:
            db.session.rollback()
            db.session.remove()
            clock.reset()
