"""Many cases written straight into the tables that inboxes and lists read (engine state is a stub: they
never deserialise a workflow). Used by `scripts/bench` and `scripts/bench_inbox.py`.

The shape is a busy region, so that every role's inbox is realistic at any scale:
- operating organisations hold about 20 cases each (the demo's 青城创客, 鹿城众创 and 草原星火 included),
  so an applicant sees a handful of its own steps;
- the 18 recommending units share the cases, so a bureau sees its unit's share;
- the Torch Center and the Department see the group work of the whole region (tens of thousands of rows
  at 100,000 cases), some of it claimed;
- expert reviews come in panels of three, spread over one expert per 250 cases (the demo's five first);
- a quarter of the cases are finished; a tenth of the open steps are overdue; every running case has one
  open step and the completed step before it; every tenth case is a recognised space with an evaluation.
Which organisation, step and fate a case gets is drawn from a seeded generator: the same data every run.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from sqlalchemy import insert, text

from webapp.clock import clock
from webapp.extensions import db
from webapp.maintenance.backup import refresh_statistics, restart_sequences
from webapp.models import Application, Evaluation, HumanTask, MakerSpace, ProcessInstance

from .accounts import People, add_people

# (lane, task spec, title, form key), drawn with equal chances: by lane 6/20, 3/20, 7/20, 2/20, 2/20
STAGES = (
    [("applicant", "submit_application", "填写并提交申报书", "recognition.application")] * 4
    + [("applicant", "supplement_materials", "补充材料", "recognition.supplement")] * 2
    + [("recommender", "recommender_review", "推荐单位审核", "recognition.recommend")] * 3
    + [("torch_center", "material_review", "材料完整性审核", "recognition.material_review")] * 2
    + [("torch_center", "organise_review", "组织专家评审", "recognition.organise_review")]
    + [("torch_center", "site_inspection", "实地核查", "recognition.site_inspection")]
    + [("torch_center", "credit_check", "信用审查", "recognition.credit_check")]
    + [("expert", "expert_review", "专家独立评分", "recognition.expert_score")] * 2
    + [("approver", "shortlist_decision", "拟定入选名单", "recognition.shortlist")] * 2
    + [("torch_center", "material_review", "材料完整性审核", "recognition.material_review")] * 2
)
PANEL = 3
GRADES = [(90, "excellent"), (78, "good"), (60, "pass"), (40, "fail")]


def seed_database(app, cases: int, batch: int = 5000) -> float:
    """An empty database migrated to the newest schema (as `flask db upgrade` leaves it), bpmn/ deployed,
    the people, then `cases` cases. Returns the seconds the cases took."""
    from webapp.engine.definitions import deploy, read_directory
    from webapp.maintenance.schema import upgrade_database

    upgrade_database()
    deploy(read_directory(app.config["BPMN_DIR"]), note="benchmark")
    db.session.commit()
    people = add_people(extra_experts=max(0, cases // 250 - 5), extra_organisations=max(0, cases // 20 - 3))
    started = time.perf_counter()
    bundle_id = db.session.scalar(text("SELECT max(id) FROM definition_bundle"))
    draw = random.Random(10)
    for first in range(1, cases + 1, batch):
        _write(people, bundle_id, range(first, min(first + batch, cases + 1)), clock.now(), draw)
        db.session.commit()
    # As a database that lived through these cases: ids it wrote itself are not handed out again, and the
    # planner has statistics (autovacuum's work on a live PostgreSQL database; restores do the same).
    with db.engine.connect() as connection:
        restart_sequences(connection, [ProcessInstance.__table__, Application.__table__, MakerSpace.__table__])
        connection.commit()
        refresh_statistics(connection)
    return time.perf_counter() - started


def _write(people: People, bundle_id: int, ids: range, now: datetime, draw: random.Random) -> None:
    orgs = people.organisations
    applications, instances, tasks, spaces, evaluations = [], [], [], [], []
    for i in ids:
        org = draw.choice(orgs)
        unit = people.unit_of[org]
        lane, spec, title, form_key = draw.choice(STAGES)
        finished = draw.random() < 0.25
        created = now - timedelta(days=i % 900, minutes=i % 1440)
        opened = max(created, now - timedelta(days=(i * 7) % 40, hours=i % 24))
        name = f"众创空间{i}"
        applications.append({"id": i, "round_id": people.round_id, "organisation_id": org, "unit_id": unit,
                             "space_name": name, "status": "in_review", "facts": {}, "created_at": created,
                             "instance_id": i})
        instances.append({
            "id": i, "bundle_id": bundle_id, "process_id": "recognition", "process_name": "众创空间认定",
            "subject_type": "application", "subject_id": i, "subject_title": name, "organisation_id": org,
            "unit_id": unit, "status": "completed" if finished else "running", "state": "{}",
            "serializer_version": "1.5", "created_at": created, "updated_at": opened, "lock_version": 1,
            "current_step": "" if finished else title})
        common = {"instance_id": i, "task_spec": spec, "title": title, "lane": lane, "form_key": form_key,
                  "organisation_id": org, "unit_id": unit, "created_at": opened,
                  "status": "completed" if finished else "open",
                  "due_at": now + timedelta(days=(i * 7) % 30 - 3),  # a tenth overdue
                  "completed_at": opened + timedelta(hours=1 + i % 300) if finished else None}
        if lane == "expert":
            for seat, expert in enumerate(draw.sample(people.experts, PANEL)):  # three, a task each
                tasks.append({**common, "task_guid": _guid(i, seat), "assignee_id": expert})
        else:
            claimed = lane == "torch_center" and draw.random() < 0.1
            torch = people.users[draw.choice(["torch1", "torch2"])]
            tasks.append({**common, "task_guid": _guid(i, 0), "assignee_id": None,
                          "claimed_by_id": torch if claimed else None, "claimed_at": opened if claimed else None})
        if spec != "submit_application":  # the step before, done: the application as submitted
            tasks.append({"instance_id": i, "task_guid": _guid(i, 9), "task_spec": "submit_application",
                          "title": "填写并提交申报书", "lane": "applicant", "form_key": "recognition.application",
                          "organisation_id": org, "unit_id": unit, "status": "completed", "created_at": created,
                          "due_at": created + timedelta(days=30), "completed_at": created + timedelta(days=i % 20)})
        if i % 10 == 0:
            spaces.append({"id": i, "name": name, "organisation_id": org, "unit_id": unit, "application_id": i,
                           "status": "recognised", "recognised_at": created, "certificate_no": f"NMZC-BENCH-{i}"})
            score, grade = draw.choice(GRADES)
            evaluations.append({"space_id": i, "score": score - i % 7, "grade": grade,
                                "at": created + timedelta(days=3 * 365)})
    # Core inserts of the tables (one executemany each), not the ORM's bulk path, which splits the rows
    # into many statements.
    for model, rows in ((ProcessInstance, instances), (Application, applications), (HumanTask, _same_keys(tasks)),
                        (MakerSpace, spaces), (Evaluation, evaluations)):
        if rows:
            db.session.execute(insert(model.__table__), rows)


def _guid(case: int, seat: int) -> str:
    return f"00000000-0000-0000-{seat:04d}-{case:012d}"


def _same_keys(rows: list[dict]) -> list[dict]:
    """One multi-row INSERT needs the same columns in every row."""
    keys = {key for row in rows for key in row}
    return [{key: row.get(key) for key in keys} for row in rows]
