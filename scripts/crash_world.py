"""The database side of the kill -9 test (scripts/crash_test.py): its accounts and cases, and the checks
run with nothing else running — task rows against the engine state, one audit event per completion, no
timer fired twice."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

PASSWORD = "crash-test-password-1"
SECRET_KEY = secrets.token_hex(16)
# step → form answers (the same as the web tests give); the person comes from the task row
ANSWERS: dict[str, dict] = {
    "recommender_review": {"recommender_decision": "recommend", "recommendation_letter": "同意推荐",
                           "recommender_comments": ""},
    "material_review": {"material_decision": "complete", "material_comments": ""},
    "organise_review": {"panel_experts": []},  # filled with the experts' ids at set-up
    "expert_review": {"base": "80", "bonus": "0", "comments": "材料齐全，运营良好"},
    "site_inspection": {"site_inspection_passed": "yes", "site_inspection_report": "场地与申报一致"},
    "credit_check": {"credit_blacklisted": "no", "credit_abnormal": "no", "credit_notes": ""},
    "shortlist_decision": {"shortlist_decision": "shortlist", "shortlist_comments": ""},
}
ACCOUNTS = [("applicant", "applicant"), ("recommender", "recommender"), ("torch1", "torch_center"),
            ("torch2", "torch_center"), ("approver", "approver"), ("expert1", "expert"), ("expert2", "expert"),
            ("expert3", "expert")]


# ---- the database ----------------------------------------------------------------------------------------------

def postgres_database(server_url: str) -> tuple[str, callable]:
    """A fresh database on the server of `server_url`, and how to drop it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"makerspace_crash_{secrets.token_hex(4)}"
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def make_app(url: str, workdir: Path):
    from webapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "DEMO_MODE": False,
                       "UPLOAD_DIR": str(workdir / "uploads")})


@dataclass
class World:
    users: dict[str, int] = field(default_factory=dict)  # username → id
    names: dict[int, str] = field(default_factory=dict)  # id → username
    organisation_id: int = 0
    unit_id: int = 0
    round_id: int = 0
    cases: int = 0
    spaces: int = 0
    space_instances: set[int] = field(default_factory=set)
    reference: dict[str, list[str]] = field(default_factory=dict)  # process → timer titles of an undisturbed sweep


def seed(app) -> World:
    """Tables (as `flask db upgrade` leaves them), definitions, accounts, a round open for a year, and the
    timer reference: a maker space recognised 200 days ago, swept here without interruption."""
    from sqlalchemy import select

    from webapp.clock import CHINA, clock
    from webapp.engine.definitions import deploy, read_directory
    from webapp.extensions import db
    from webapp.models import ApplicationRound, Organisation, Unit, User
    from webapp.rounds.service import open_round

    world = World()
    with app.app_context():
        db.create_all()
        deploy(read_directory(app.config["BPMN_DIR"]), note="crash test")
        unit = Unit(code="crash_bureau", name="测试市科技局", kind="bureau")
        university = Unit(code="crash_university", name="测试大学", kind="university")
        db.session.add_all([unit, university])
        db.session.flush()
        organisation = Organisation(name="测试众创空间运营有限公司", unit_id=unit.id)
        db.session.add(organisation)
        db.session.flush()
        for username, role in ACCOUNTS:
            fields = {"applicant": dict(organisation_id=organisation.id, unit_id=unit.id),
                      "recommender": dict(unit_id=unit.id), "expert": dict(unit_id=university.id)}.get(role, {})
            user = User(username=username, display_name=username, role=role, email=f"{username}@example.test", **fields)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            world.users[username], world.names[user.id] = user.id, username
        today = clock.now().astimezone(CHINA).date()
        open_round(title="测试批次", year=today.year, batch=99, opens_on=today, closes_on=today + timedelta(days=365),
                   unit_ids=[unit.id], user=db.session.get(User, world.users["approver"]))
        db.session.commit()
        world.organisation_id, world.unit_id = organisation.id, unit.id
        world.round_id = db.session.scalar(select(ApplicationRound.id))
        ANSWERS["organise_review"]["panel_experts"] = [str(world.users[f"expert{n}"]) for n in (1, 2, 3)]

        from tasks.sweep import sweep_once

        control = add_due_spaces(world, 1, track=False)
        sweep_once()
        world.reference = {process: titles for process, titles in timer_titles(control).values()}
        if not world.reference.get("space_lifecycle"):
            raise SystemExit("set-up: the control maker space fired no timer; is the lifecycle deployed?")
    return world


def add_cases(world: World, count: int) -> None:
    """Recognition cases submitted by the applicant (through the engine), now at the recommending unit."""
    from sqlalchemy import select

    from webapp.clock import clock
    from webapp.demo_history import FACTS
    from webapp.engine.runtime import Runtime
    from webapp.extensions import db
    from webapp.models import Application, ApplicationRound, HumanTask, User

    applicant = db.session.get(User, world.users["applicant"])
    round_ = db.session.get(ApplicationRound, world.round_id)
    for _ in range(count):
        world.cases += 1
        name = f"测试众创空间{world.cases}"
        application = Application(round_id=round_.id, organisation_id=world.organisation_id, unit_id=world.unit_id,
                                  space_name=name, status="in_review", facts={**FACTS, "space_name": name},
                                  created_at=clock.now())
        db.session.add(application)
        db.session.flush()
        instance = Runtime(actor=applicant).start(
            "recognition", subject_type="application", subject_id=application.id,
            organisation_id=world.organisation_id, unit_id=world.unit_id,
            data={"application_id": application.id, "round_id": round_.id,
                  "round_closes_at": round_.closes_at.isoformat()})
        application.instance_id = instance.id
        db.session.commit()
        task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                         HumanTask.status == "open"))
        Runtime(actor=applicant).complete(task, {**FACTS, "space_name": name})
        db.session.commit()


def add_due_spaces(world: World, count: int, track: bool = True) -> list[int]:
    """Maker spaces recognised 200 days ago: their lifecycles' first timers are due now."""
    from webapp.clock import clock
    from webapp.simulation import recognised_space_now

    ids = []
    clock.freeze(datetime.now(UTC) - timedelta(days=200))
    try:
        for _ in range(count):
            world.spaces += 1
            space = recognised_space_now(f"测试空间{world.spaces}", world.organisation_id, world.unit_id)
            ids.append(space.lifecycle_instance_id)
    finally:
        clock.reset()
    if track:
        world.space_instances.update(ids)
    return ids


def timer_titles(instance_ids=None) -> dict[int, tuple[str, list[str]]]:
    """instance → (process, titles of its timer events in order), of the given cases or of all."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import AuditEvent, ProcessInstance

    found: dict[int, tuple[str, list[str]]] = {}
    query = (select(AuditEvent.instance_id, ProcessInstance.process_id, AuditEvent.title)
             .join(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
             .where(AuditEvent.action == "timer").order_by(AuditEvent.id))
    if instance_ids is not None:
        query = query.where(AuditEvent.instance_id.in_(list(instance_ids)))
    rows = db.session.execute(query)
    for instance_id, process, title in rows:
        found.setdefault(instance_id, (process, []))[1].append(title)
    return found


def open_completable() -> int:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import HumanTask

    return db.session.scalar(select(func.count(HumanTask.id)).where(
        HumanTask.status == "open", HumanTask.task_spec.in_(list(ANSWERS))))


# ---- the checks -------------------------------------------------------------------------------------------------

@dataclass
class Ledger:
    acknowledged: list[tuple[int, int]] = field(default_factory=list)  # (task id, user id) the server confirmed
    attempted: set[int] = field(default_factory=set)  # task ids posted this round
    cut: int = 0  # posts the kill cut off (outcome unknown to the client)
    refused: int = 0  # told the step was done already, or changed meanwhile
    failures: list[str] = field(default_factory=list)  # what the server answered wrongly
    first_post: float | None = None  # when the round's first completion was sent (time.monotonic)
    durations: list[float] = field(default_factory=list)  # seconds from a post to the page after it
    lock: threading.Lock = field(default_factory=threading.Lock)


def check(world: World, ledger: Ledger, since: dict, final: bool = False) -> list[str]:
    """Everything the round could have broken. `since` holds the highest audit event and task row ids seen
    at the previous check (updated here); cases touched after them are deserialised, all of them if final."""
    from SpiffWorkflow.util.task import TaskState
    from sqlalchemy import func, or_, select

    from webapp.engine.runtime import Runtime
    from webapp.extensions import db
    from webapp.models import AuditEvent, HumanTask, ProcessInstance

    problems: list[str] = []
    db.session.expire_all()
    # one completion event per completed step: per case, step and person
    done = Counter({(i, s, u): n for i, s, u, n in db.session.execute(
        select(HumanTask.instance_id, HumanTask.task_spec, HumanTask.completed_by_id, func.count())
        .where(HumanTask.status == "completed").group_by(HumanTask.instance_id, HumanTask.task_spec,
                                                         HumanTask.completed_by_id))})
    events = Counter({(i, s, u): n for i, s, u, n in db.session.execute(
        select(AuditEvent.instance_id, AuditEvent.task_spec, AuditEvent.actor_id, func.count())
        .where(AuditEvent.action == "completed").group_by(AuditEvent.instance_id, AuditEvent.task_spec,
                                                          AuditEvent.actor_id))})
    for key in sorted(set(done) | set(events), key=str):
        if done[key] != events[key]:
            problems.append(f"case {key[0]}, step {key[1]}, user {key[2]}: {done[key]} completed task row(s) but "
                            f"{events[key]} completion event(s)")
    # what the server acknowledged is there
    for task_id, user_id in ledger.acknowledged:
        row = db.session.get(HumanTask, task_id)
        if row is None or row.status != "completed" or row.completed_by_id != user_id:
            problems.append(f"task {task_id}: acknowledged to user {user_id} but is "
                            f"{row.status if row else 'missing'} (by {row.completed_by_id if row else None})")
    # task rows against the engine
    audit_max = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    task_max = db.session.scalar(select(func.max(HumanTask.id))) or 0
    query = select(ProcessInstance)
    if not final:
        touched = select(AuditEvent.instance_id).where(AuditEvent.id > since.get("audit", 0))
        new_rows = select(HumanTask.instance_id).where(or_(HumanTask.id > since.get("task", 0),
                                                           HumanTask.id.in_(ledger.attempted or {0})))
        query = query.where(or_(ProcessInstance.id.in_(touched), ProcessInstance.id.in_(new_rows)))
    checked = 0
    for instance in db.session.scalars(query.order_by(ProcessInstance.id)):
        checked += 1
        ready = set()
        if instance.status == "running":
            wf = Runtime().load(instance)
            ready = {str(t.id) for t in wf.get_tasks(state=TaskState.READY, manual=True)}
        rows = set(db.session.scalars(select(HumanTask.task_guid).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "open")))
        if ready != rows:
            problems.append(f"case {instance.id} ({instance.process_id}, {instance.status}): engine has READY "
                            f"{sorted(ready - rows)} without task rows; open rows {sorted(rows - ready)} are not "
                            "READY in the engine")
    since.update(audit=audit_max, task=task_max, checked=checked)
    # no timer fired twice
    all_timers = timer_titles()
    for instance_id, (process, titles) in all_timers.items():
        repeated = [t for t, n in Counter(titles).items() if n > 1]
        if repeated:
            problems.append(f"case {instance_id}: timer event(s) {repeated} written more than once")
        reference = world.reference.get(process)
        if (instance_id in world.space_instances and reference is not None
                and (titles != reference[:len(titles)] or (final and titles != reference))):
            problems.append(f"case {instance_id}: timer events {titles}, expected {reference} "
                            f"({'in full' if final else 'or a beginning of it'})")
    if final:
        for instance_id in world.space_instances - set(all_timers):
            problems.append(f"case {instance_id}: no timer fired after the last sweep, expected {world.reference}")
    db.session.rollback()
    return problems
