"""Migrations (issue 9 item 2): a database holding cases in every state, made at the first migration, is
upgraded to the newest schema and its cases go on running; the models match the newest migration; a
database made by create_all before migrations existed is stamped and upgraded by `flask init-db`.

The cases come from tests/fixtures/demo-at-baseline.tar.gz: the demo data (webapp/demo.py) seeded by the
code of the baseline revision and saved with `flask backup` (see tests/fixtures/README.md). Run with
scripts/with-postgres for PostgreSQL.
"""

from __future__ import annotations

import re
import tarfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_app
from webapp.clock import clock
from webapp.extensions import db
from webapp.maintenance.backup import read_manifest, restore_backup
from webapp.maintenance.schema import BASELINE, SchemaMismatch, upgrade_database
from webapp.models import Application, AuditEvent, HumanTask, MakerSpace, ProcessFault, ProcessInstance, User

from .conftest import Browser
from .schema_tools import bare_database, head, revision, row_counts

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "demo-at-baseline.tar.gz"
DEMO_PASSWORD = "demo12345"


def manifest() -> dict:
    with tarfile.open(FIXTURE, "r:gz") as tar:
        return read_manifest(tar)


@pytest.fixture
def bare_app(tmp_path):
    app = make_app(tmp_path)
    with bare_database(app):
        yield app


def demo_login(app, username: str) -> Browser:
    browser = Browser(app, None)
    response = browser.post("/login", {"username": username, "password": DEMO_PASSWORD}, from_page="/login")
    assert response.status_code == 302 and "/login" not in response.headers["Location"], username
    return browser


def test_the_fixture_holds_cases_in_every_state_at_the_first_migration():
    m = manifest()
    assert m["revision"] == BASELINE
    rows = {table["name"]: table["rows"] for table in m["tables"]}
    assert rows["process_instance"] >= 10 and rows["human_task"] and rows["audit_event"]
    assert FIXTURE.stat().st_size < 400_000


def test_a_database_at_the_first_migration_upgrades_to_head_and_its_cases_go_on(bare_app):
    upgrade_database(BASELINE)
    assert revision() == BASELINE
    restore_backup(FIXTURE)
    before = row_counts()
    assert before == {table["name"]: table["rows"] for table in manifest()["tables"]}

    upgrade_database()
    assert revision() == head()
    after = row_counts()
    assert {name: after[name] for name in before} == before  # no row lost or added by the upgrade

    # Every state of the demo is there after the upgrade.
    assert {"recognised", "rectification", "revoked", "national"} <= set(db.session.scalars(sa.select(MakerSpace.status)))
    assert set(db.session.scalars(sa.select(Application.status))) == {"in_review"}
    seeded_at = datetime.fromisoformat(manifest()["created_at"])
    clock.freeze(seeded_at + timedelta(minutes=5))

    # Every case page opens, drawn from each case's stored engine state (running and finished cases).
    supervisor = demo_login(bare_app, "supervisor")
    instances = db.session.scalars(sa.select(ProcessInstance).order_by(ProcessInstance.id)).all()
    assert {i.status for i in instances} == {"running", "completed"}
    for instance in instances:
        response = supervisor.get(f"/instances/{instance.id}")
        assert response.status_code == 200, instance.id
        assert instance.subject_title in response.get_data(as_text=True)

    # A waiting task is completed: 包头市科技局 recommends the application waiting on it.
    task = db.session.scalars(sa.select(HumanTask).where(HumanTask.status == "open",
                                                         HumanTask.task_spec == "recommender_review")).one()
    instance_id, task_id = task.instance_id, task.id
    recommender = demo_login(bare_app, db.session.get(User, _unit_recommender(task.unit_id)).username)
    response = recommender.post(f"/tasks/{task_id}", {"recommender_decision": "recommend",
                                                      "recommendation_letter": "同意推荐", "recommender_comments": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).status == "completed"
    assert db.session.scalars(sa.select(HumanTask.task_spec).where(HumanTask.instance_id == instance_id,
                                                                   HumanTask.status == "open")).all() == ["material_review"]
    assert "材料完整性审核" in db.session.get(ProcessInstance, instance_id).current_step

    # The first due timer fires through the sweeper.
    from tasks.sweep import sweep_once

    due = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.status == "running",
                                                              ProcessInstance.next_timer_at.is_not(None))
                             .order_by(ProcessInstance.next_timer_at)).first()
    due_id, due_at = due.id, due.next_timer_at
    timer_events = _timer_events(due_id)
    clock.freeze(due_at + timedelta(seconds=1))
    db.session.remove()
    assert sweep_once() >= 1
    db.session.expire_all()
    assert _timer_events(due_id) == timer_events + 1
    moved = db.session.get(ProcessInstance, due_id).next_timer_at
    assert moved is None or moved > due_at
    assert db.session.scalar(sa.select(sa.func.count(ProcessFault.id))) == 0
    assert supervisor.get(f"/instances/{due_id}").status_code == 200


def test_cases_whose_faults_are_open_at_the_upgrade_are_flagged_and_their_next_save_resolves_them(bare_app):
    upgrade_database(BASELINE)
    restore_backup(FIXTURE)
    upgrade_database("0004_list_indexes")
    task = db.session.scalars(sa.select(HumanTask).where(HumanTask.status == "open",
                                                         HumanTask.task_spec == "recommender_review")).one()
    task_id, instance_id, unit_id = task.id, task.instance_id, task.unit_id
    other = db.session.scalar(sa.select(ProcessInstance.id).where(ProcessInstance.id != instance_id))
    db.session.rollback()  # the read ends: on PostgreSQL it would hold off the migration's ALTER TABLE
    seeded_at = datetime.fromisoformat(manifest()["created_at"])
    fault = {"process_id": "recognition", "element_id": "gw_recommender", "element_name": "推荐意见？", "expression": "",
             "error_type": "TypeError", "message": "…", "trigger": "task", "step": "", "at": seeded_at,
             "last_at": seeded_at, "occurrences": 1}
    with db.engine.begin() as connection:  # one open fault, and a resolved one on another case
        connection.execute(sa.insert(ProcessFault.__table__), [
            {**fault, "instance_id": instance_id, "resolved_at": None},
            {**fault, "instance_id": other, "resolved_at": seeded_at}])

    upgrade_database()
    flagged = set(db.session.scalars(sa.select(ProcessInstance.id).where(ProcessInstance.has_open_fault)))
    assert flagged == {instance_id}

    clock.freeze(seeded_at + timedelta(minutes=5))
    recommender = demo_login(bare_app, db.session.get(User, _unit_recommender(unit_id)).username)
    response = recommender.post(f"/tasks/{task_id}", {"recommender_decision": "recommend",
                                                      "recommendation_letter": "同意推荐", "recommender_comments": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(ProcessInstance, instance_id).has_open_fault
    assert db.session.scalar(sa.select(sa.func.count(ProcessFault.id)).where(ProcessFault.resolved_at.is_(None))) == 0


def _unit_recommender(unit_id: int) -> int:
    return db.session.scalar(sa.select(User.id).where(User.role == "recommender", User.unit_id == unit_id))


def _timer_events(instance_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.instance_id == instance_id,
                                                                           AuditEvent.action == "timer"))


def test_the_models_match_the_newest_migration(bare_app):
    """A model change needs its migration: `flask --app webapp db migrate -m …`, reviewed by hand."""
    upgrade_database()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       db.metadata)
    assert differences == []


def test_init_db_stamps_a_database_made_before_migrations_and_upgrades_it(bare_app):
    # What create_all of the baseline's code made: its tables and rows, and no alembic_version.
    upgrade_database(BASELINE)
    restore_backup(FIXTURE)
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE alembic_version"))
    rows = row_counts()

    result = bare_app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert revision() == head()
    after = row_counts()
    assert {name: after[name] for name in rows if name != "definition_bundle"} == \
        {name: count for name, count in rows.items() if name != "definition_bundle"}
    assert after["definition_bundle"] >= rows["definition_bundle"]  # bpmn/ deployed if it changed since
    demo_login(bare_app, "torch1")  # the old accounts still log in


def test_init_db_refuses_a_database_of_another_shape_and_changes_nothing(bare_app):
    with db.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE unit (id INTEGER PRIMARY KEY, code VARCHAR(40))"))
    result = bare_app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code != 0
    assert "not the baseline's" in result.output and "table user_account missing" in result.output
    assert "unit: columns kind, name missing" in result.output
    assert sa.inspect(db.engine).get_table_names() == ["unit"]
    with pytest.raises(SchemaMismatch):
        upgrade_database()


def test_init_db_migrates_a_new_database_to_head(bare_app):
    result = bare_app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert revision() == head()
    assert db.session.scalar(sa.select(sa.func.count(ProcessInstance.id))) == 0


def test_files_stored_before_0009_take_the_form_of_their_step_so_a_supplement_is_not_read_as_a_replacement(bare_app):
    upgrade_database(BASELINE)
    restore_backup(FIXTURE)
    upgrade_database("0008_change_filing_values")
    waiting = db.session.scalars(sa.select(HumanTask).where(HumanTask.status == "open",
                                                            HumanTask.task_spec == "recommender_review")).one()
    instance_id = waiting.instance_id
    application_id = db.session.scalar(sa.select(Application.id).where(Application.instance_id == instance_id))
    assert db.session.scalar(sa.select(HumanTask.form_key).where(
        HumanTask.instance_id == instance_id, HumanTask.task_spec == "submit_application")) == "recognition.application"
    db.session.rollback()
    seeded_at = datetime.fromisoformat(manifest()["created_at"])
    with db.engine.begin() as connection:  # a supplement's step, and a file of each step plus one of no step
        connection.execute(sa.text(
            "INSERT INTO human_task (instance_id, task_guid, task_spec, title, lane, form_key, status, created_at) "
            "VALUES (:i, 'guid-supplement', 'supplement_materials', '补充材料', 'applicant', 'recognition.supplement', "
            "'completed', :at)"), {"i": instance_id, "at": seeded_at})
        for stored, spec in (("a1", "submit_application"), ("a2", "supplement_materials"), ("a3", None)):
            connection.execute(sa.text(
                "INSERT INTO attachment (application_id, instance_id, task_spec, kind, original_name, stored_name, "
                "content_type, size, uploaded_at) VALUES (:a, :i, :spec, 'premises', :name, :stored, "
                "'application/pdf', 10, :at)"),
                {"a": application_id, "i": instance_id, "spec": spec, "name": f"{stored}.pdf", "stored": stored,
                 "at": seeded_at})

    upgrade_database()
    forms = dict(db.session.execute(sa.text("SELECT stored_name, form_key FROM attachment")).all())
    assert forms == {"a1": "recognition.application", "a2": "recognition.supplement", "a3": None}
    # On the page the supplement stays beside the document; a file of no step counts as the application's own.
    clock.freeze(seeded_at + timedelta(minutes=5))
    page = demo_login(bare_app, "supervisor").get(f"/applications/{application_id}").get_data(as_text=True)
    folded = "".join(re.findall(r"<details class=\"earlier-versions\">.*?</details>", page, re.S))
    assert "a3.pdf" in page and "a1.pdf" in folded and "a2.pdf" in page and "a2.pdf" not in folded
    assert "补充材料" in re.search(r"<li>[^\n]*a2\.pdf.*?</li>", page).group(0)
