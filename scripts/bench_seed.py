"""Seeding for the benchmark scripts: many cases written straight into the tables (the rows lists read;
engine state is a stub, since lists, inboxes and dashboards never deserialise workflows).

Accounts, units and the open round come from the demo seed; then `cases` applications, each with its
recognition instance and one human task (a quarter completed, with how long they took; a tenth of the open
ones overdue), and one space with an evaluation for every tenth case (scores and grades spread).
"""

from __future__ import annotations

import time
from datetime import timedelta

LANES = ["applicant", "recommender", "torch_center", "expert", "approver"]
STEPS = ["填写并提交申报书", "推荐单位审核", "材料完整性审核", "专家独立评分", "拟定入选名单"]
GRADES = [(90, "excellent"), (78, "good"), (60, "pass"), (40, "fail")]


def seed_cases(app, cases: int, batch: int = 5000) -> float:
    """Fill the app's (fresh) database; returns the seconds it took."""
    from sqlalchemy import insert, select, text

    from webapp import demo_history
    from webapp.clock import clock
    from webapp.demo import seed
    from webapp.engine.definitions import deploy, read_directory
    from webapp.extensions import db
    from webapp.models import (
        Application,
        ApplicationRound,
        Evaluation,
        HumanTask,
        MakerSpace,
        Organisation,
        ProcessInstance,
        Unit,
        User,
    )

    db.drop_all()
    db.create_all()
    bundle = deploy(read_directory(app.config["BPMN_DIR"]))
    demo_history.seed_history = lambda today: None  # accounts, units and the round only
    demo_history.seed_applications = lambda: None
    seed()
    db.session.commit()
    units = db.session.scalars(select(Unit)).all()
    orgs = [Organisation(name=f"运营机构{i}", unit_id=units[i % len(units)].id) for i in range(500)]
    db.session.add_all(orgs)
    db.session.flush()
    experts = [u.id for u in db.session.scalars(select(User).where(User.role == "expert"))]
    round_id = db.session.scalar(select(ApplicationRound.id))
    now = clock.now()
    started = time.perf_counter()
    for start in range(0, cases, batch):
        ids = range(start + 1, min(start + batch, cases) + 1)
        org = [orgs[i % len(orgs)] for i in ids]
        created = {i: now - timedelta(days=i % 900, minutes=i % 1440) for i in ids}
        db.session.execute(insert(Application), [
            {"id": i, "round_id": round_id, "organisation_id": o.id, "unit_id": o.unit_id,
             "space_name": f"众创空间{i}", "status": "in_review", "facts": {}, "created_at": created[i]}
            for i, o in zip(ids, org, strict=True)])
        db.session.execute(insert(ProcessInstance), [
            {"id": i, "bundle_id": bundle.id, "process_id": "recognition", "process_name": "众创空间认定",
             "subject_type": "application", "subject_id": i, "subject_title": f"众创空间{i}",
             "organisation_id": o.id, "unit_id": o.unit_id, "status": "running" if i % 7 else "completed",
             "state": "{}", "serializer_version": "1.5", "created_at": created[i], "updated_at": created[i],
             "lock_version": 1, "current_step": STEPS[i % 5]} for i, o in zip(ids, org, strict=True)])
        db.session.execute(insert(HumanTask), [
            {"instance_id": i, "task_guid": f"00000000-0000-0000-0000-{i:012d}", "task_spec": f"step_{i % 5}",
             "title": STEPS[i % 5], "lane": LANES[i % 5], "form_key": "", "organisation_id": o.id,
             "unit_id": o.unit_id, "assignee_id": experts[i % len(experts)] if LANES[i % 5] == "expert" else None,
             "status": "open" if i % 4 else "completed", "created_at": created[i],
             "due_at": created[i] + timedelta(days=15) if i % 10 else now - timedelta(days=1),
             "completed_at": created[i] + timedelta(hours=1 + i % 300) if i % 4 == 0 else None}
            for i, o in zip(ids, org, strict=True)])
        spaces = [i for i in ids if i % 10 == 0]
        if spaces:
            db.session.execute(insert(MakerSpace), [
                {"id": i, "name": f"众创空间{i}", "organisation_id": orgs[i % len(orgs)].id,
                 "unit_id": orgs[i % len(orgs)].unit_id, "application_id": i, "status": "recognised",
                 "recognised_at": created[i], "certificate_no": f"NMZC-BENCH-{i}"} for i in spaces])
            db.session.execute(insert(Evaluation), [
                {"space_id": i, "score": GRADES[i % 4][0] - i % 7, "grade": GRADES[i % 4][1],
                 "at": created[i] + timedelta(days=3 * 365)} for i in spaces])
        db.session.execute(text("UPDATE application SET instance_id = id WHERE instance_id IS NULL"))
        db.session.commit()
    return time.perf_counter() - started
