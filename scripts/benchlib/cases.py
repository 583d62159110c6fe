"""Cases driven at engine level (the runtime, as the sweeper and the demo history do), to bring them to
the step a section measures: a trivial four-step case, and recognition cases with realistic data."""

from __future__ import annotations

from sqlalchemy import select

from webapp.clock import clock
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import Application, ApplicationRound, HumanTask, ProcessInstance, User

from . import trivial
from .accounts import People

# Art. 6 facts of an application that passes every check (as the engine tests submit them).
FACTS = {
    "space_name": "青城创客空间", "legal_entity": True, "operating_years": 2.5, "controlled_area_m2": 800.0,
    "total_area_m2": 1000.0, "public_area_m2": 600.0, "premises_leased": True, "lease_years": 5.0,
    "has_admission_exit_rules": True, "has_finance_rules": True, "has_daily_rules": True,
    "business_model": "开放共享降低成本，投资与专业服务获得收益", "management_staff": 5, "mentors": 3,
    "infrastructure_ready": True, "services_offered": ["incubation", "finance"], "new_residents_per_year": 10,
    "training_events_per_year": 12, "incubation_cases": 3, "investor_partners": 2, "free_service_months": 12,
    "existing_designation": "none",
}
RECOMMEND = {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""}
MATERIALS_COMPLETE = {"material_decision": "complete", "material_comments": ""}


def _application(people: People, name: str) -> Application:
    organisation_id = people.organisations[0]
    application = Application(round_id=people.round_id, organisation_id=organisation_id,
                              unit_id=people.unit_of[organisation_id], space_name=name, status="draft",
                              created_at=clock.now())
    db.session.add(application)
    db.session.flush()
    return application


def start_trivial(people: People, n: int) -> int:
    application = _application(people, f"基准四步流程{n}")
    instance = Runtime().start(trivial.PROCESS_ID, subject_type="application", subject_id=application.id,
                               organisation_id=application.organisation_id, unit_id=application.unit_id, data={})
    db.session.commit()
    return instance.id


def start_recognition(people: People, n: int) -> int:
    application = _application(people, f"基准众创空间{n}")
    closes = db.session.get(ApplicationRound, people.round_id).closes_at
    instance = Runtime().start(
        "recognition", subject_type="application", subject_id=application.id,
        organisation_id=application.organisation_id, unit_id=application.unit_id,
        data={"application_id": application.id, "round_id": people.round_id, "space_name": application.space_name,
              "round_closes_at": closes.isoformat()})
    application.instance_id = instance.id
    db.session.commit()
    return instance.id


def open_task(instance_id: int, spec: str | None = None, assignee_id: int | None = None) -> HumanTask:
    """The one open task of the case (of that step, for that expert)."""
    query = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    if spec:
        query = query.where(HumanTask.task_spec == spec)
    if assignee_id:
        query = query.where(HumanTask.assignee_id == assignee_id)
    rows = db.session.scalars(query.order_by(HumanTask.id)).all()
    assert len(rows) == 1, f"expected one open {spec or 'task'} on case {instance_id}, found {len(rows)}"
    return rows[0]


def complete(instance_id: int, spec: str, data: dict, actor: str | None = None, people: People | None = None,
             assignee_id: int | None = None) -> None:
    user = db.session.get(User, people.users[actor]) if actor and people else None
    Runtime(actor=user).complete(open_task(instance_id, spec, assignee_id), data)
    db.session.commit()


def to_material_review(people: People, n: int) -> int:
    """A recognition case submitted and recommended: its material review is open at the Torch Center."""
    case = start_recognition(people, n)
    complete(case, "submit_application", FACTS, "qingcheng", people)
    complete(case, "recommender_review", RECOMMEND, "hohhot_bureau", people)
    return case


def state_of(instance_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id).state


def state_size(instance_id: int) -> int:
    return len(state_of(instance_id).encode("utf-8"))


def task_count(instance_id: int) -> int:
    """Tasks in the case's tree, its subprocesses' included (read through the runtime: any stored format)."""
    wf = Runtime().load(db.session.get(ProcessInstance, instance_id))
    return len(wf.tasks) + sum(len(sp.tasks) for sp in wf.subprocesses.values())
