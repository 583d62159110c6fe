"""An SQLite database file runs in write-ahead-log mode: pages read while the sweeper or a colleague is in
the middle of writing, instead of waiting for (or timing out on) the writer's lock."""

import os
import sqlite3

import pytest
from sqlalchemy import text

from webapp.extensions import db

pytestmark = pytest.mark.skipif(bool(os.environ.get("MAKERSPACE_TEST_DATABASE_URL")), reason="SQLite's own journal")


def test_a_reader_is_not_held_up_by_an_open_write(file_app, tmp_path):
    with file_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: a commit survives power loss
        db.session.execute(text("UPDATE definition_bundle SET note = 'being written'"))  # a write, not committed
        reader = sqlite3.connect(tmp_path / "race.db", timeout=0)  # no waiting at all
        try:
            assert reader.execute("SELECT count(*) FROM definition_bundle").fetchone()[0] == 1
            assert reader.execute("SELECT note FROM definition_bundle").fetchone()[0] != "being written"
        finally:
            reader.close()
        db.session.rollback()
