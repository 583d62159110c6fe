"""`flask backup` and `flask restore` (issue 9 item 5): a backup restored into an empty database runs its cases
on — a waiting task is completed, a timer fires — and its upload files come back byte for byte. Runs on
SQLite and, with scripts/with-postgres, on PostgreSQL (where the restored ids must not be handed out again).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from webapp.clock import clock
from webapp.extensions import db
from webapp.maintenance.backup import read_manifest
from webapp.maintenance.schema import alembic_config, upgrade_database
from webapp.models import Attachment, AuditEvent, MakerSpace, ProcessInstance

from .conftest import Browser
from .flow import application_fields, complete, open_task, start_application
from .lifecycle import make_recognised_space
from .schema_tools import drop_everything, head, revision, row_counts

ATTACHMENT_KINDS = ["legal_entity", "representative_id", "premises", "staff_mentors", "rules", "services_evidence"]

# A table of every kind of value a backup must carry exactly (the app's own tables have no bytes column).
probe = sa.Table(
    "backup_probe", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("blob", sa.LargeBinary),
    sa.Column("doc", sa.JSON),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("day", sa.Date),
    sa.Column("amount", sa.Numeric(14, 4)),
    sa.Column("ratio", sa.Float),
    sa.Column("flag", sa.Boolean),
    sa.Column("label", sa.String(50)),
)
PROBE_ROWS = [
    dict(id=1, blob=bytes(range(256)) * 3, doc={"a": [1, 2.5, None, "中文"], "b": {"c": True}},
         at=datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=UTC), day=date(2028, 2, 29),
         amount=Decimal("1234567890.0123"), ratio=0.1, flag=True, label="行一\n\"引号\"\u2028"),
    dict(id=2, blob=b"", doc=sa.JSON.NULL, at=None, day=None, amount=Decimal("-0.5000"), ratio=-1e-300,
         flag=False, label=""),
    dict(id=7, blob=None, doc=sa.null(), at=None, day=None, amount=None, ratio=None, flag=None, label=None),
]


@pytest.fixture
def cleanup(app):
    """Leave no migrated schema or probe table behind: the next test's fixture makes its own."""
    yield
    from tests.conftest import _schema_ready

    drop_everything()
    _schema_ready.discard(str(db.engine.url))


def distinct_pdf(kind: str) -> bytes:
    return b"%PDF-1.4\n" + hashlib.sha256(kind.encode()).digest() * 40 + bytes(range(256)) + b"\n%%EOF\n"


def make_probe() -> None:
    with db.engine.begin() as connection:
        probe.create(connection)
        for row in PROBE_ROWS:
            connection.execute(probe.insert().values(**row))


def members(path: Path) -> dict[str, bytes]:
    """The backup's table files by table name."""
    with tarfile.open(path, "r:gz") as tar:
        manifest = read_manifest(tar)
        return {t["name"]: tar.extractfile(t["file"]).read() for t in manifest["tables"]}


def test_a_restored_backup_runs_its_cases_on_and_its_files_come_back(app, world, login, tmp_path, cleanup):
    command.stamp(alembic_config(), "head")  # the fixture's schema is the models' (create_all)
    applicant = login("applicant_a")
    application_id = start_application(applicant)
    data = dict(application_fields())
    for kind in ATTACHMENT_KINDS:
        data[f"file_{kind}"] = (io.BytesIO(distinct_pdf(kind)), f"{kind}.pdf")
    complete(applicant, open_task(application_id, "submit_application"), data)
    space_id = make_recognised_space(world)
    make_probe()
    db.session.remove()
    uploads = Path(app.config["UPLOAD_DIR"])
    files = {a.id: (a.stored_name, (uploads / a.stored_name).read_bytes())
             for a in db.session.scalars(sa.select(Attachment))}
    assert sorted(content for _, content in files.values()) == sorted(distinct_pdf(k) for k in ATTACHMENT_KINDS)
    counts = row_counts()

    backup = tmp_path / "backup.tar.gz"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert f"revision {head()}" in result.output and "6 upload files" in result.output

    # A new, empty database at the backup's revision, and an empty upload folder.
    drop_everything()
    shutil.rmtree(uploads)
    uploads.mkdir()
    upgrade_database(head())
    probe.create(db.engine)  # not part of the migrations
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert "now run: flask --app webapp db upgrade" in result.output
    if db.engine.dialect.name == "postgresql":  # the planner has statistics of what was restored
        assert db.session.scalar(sa.text("SELECT count(*) FROM pg_stats WHERE tablename = 'human_task'"))

    again = tmp_path / "again.tar.gz"
    assert runner.invoke(args=["backup", str(again)]).exit_code == 0
    assert members(again) == members(backup)  # every value of every row as it was
    upgrade_database()
    assert revision() == head()
    assert row_counts() == counts

    with db.engine.connect() as connection:
        probed = {row.id: row for row in connection.execute(
            sa.select(probe, probe.c.doc.is_(None).label("sql_null")).order_by(probe.c.id))}
    assert probed[1].blob == PROBE_ROWS[0]["blob"] and probed[2].blob == b"" and probed[7].blob is None
    assert probed[1].doc == PROBE_ROWS[0]["doc"]
    assert (probed[2].doc, probed[2].sql_null) == (None, False)  # JSON null stays JSON null
    assert probed[7].sql_null  # SQL NULL stays SQL NULL
    assert probed[1].amount == Decimal("1234567890.0123") and probed[2].ratio == -1e-300
    assert probed[1].at.replace(tzinfo=probed[1].at.tzinfo or UTC) == PROBE_ROWS[0]["at"]
    assert probed[1].day == date(2028, 2, 29) and probed[1].label == PROBE_ROWS[0]["label"]

    # The files are back, byte for byte, and served as before.
    owner = Browser(app, "applicant_a")
    for attachment_id, (stored_name, content) in files.items():
        assert (uploads / stored_name).read_bytes() == content
        response = owner.get(f"/attachments/{attachment_id}")
        assert response.status_code == 200 and response.data == content

    # The application goes on: its recommender recommends it (new rows get new ids on every database).
    recommender = Browser(app, "recommender_a")
    complete(recommender, open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    assert open_task(application_id, "material_review").status == "open"

    # The space's lifecycle goes on: its next timer fires through the sweeper.
    from tasks.sweep import sweep_once

    lifecycle_id = db.session.get(MakerSpace, space_id).lifecycle_instance_id
    due_at = db.session.get(ProcessInstance, lifecycle_id).next_timer_at
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.instance_id == lifecycle_id))
    clock.freeze(due_at + timedelta(seconds=1))
    db.session.remove()
    assert sweep_once() >= 1
    events = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.instance_id == lifecycle_id)
                                .order_by(AuditEvent.id)).all()
    assert len(events) > before and "timer" in events[before:]
    assert db.session.get(ProcessInstance, lifecycle_id).next_timer_at > due_at


def test_restore_refuses_a_database_that_is_not_empty_or_not_at_the_backups_revision(app, world, tmp_path, cleanup):
    command.stamp(alembic_config(), "head")
    db.session.remove()
    backup = tmp_path / "backup.tar.gz"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    assert runner.invoke(args=["backup", str(backup)]).exit_code != 0  # never over an existing file
    counts = row_counts()

    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code != 0
    assert "nothing restored" in result.output and "not empty" in result.output and "user_account" in result.output
    assert row_counts() == counts

    drop_everything()  # no tables, no revision
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code != 0
    assert f"the backup at {head()}" in result.output and f"db upgrade {head()}" in result.output
    assert sa.inspect(db.engine).get_table_names() == []
