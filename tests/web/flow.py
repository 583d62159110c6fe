"""One application walked through the web routes, step by step, as each role would."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Application, HumanTask, User

from .conftest import pdf

ATTACHMENT_KINDS = ["legal_entity", "representative_id", "premises", "staff_mentors", "rules", "services_evidence"]


def application_fields(**overrides) -> dict:
    fields = {
        "space_name": "青城创客空间", "legal_entity": "yes", "operating_years": "2", "controlled_area_m2": "800",
        "total_area_m2": "800", "public_area_m2": "400", "premises_leased": "yes", "lease_years": "3",
        "has_admission_exit_rules": "yes", "has_finance_rules": "yes", "has_daily_rules": "yes",
        "business_model": "开放共享降低成本，投资与专业服务获得收益", "management_staff": "3", "mentors": "2",
        "infrastructure_ready": "yes", "services_offered": ["incubation", "finance"],
        "new_residents_per_year": "6", "training_events_per_year": "5", "incubation_cases": "2",
        "investor_partners": "1", "free_service_months": "6", "existing_designation": "none",
    }
    fields.update(overrides)
    return fields


def with_files(fields: dict) -> dict:
    data = dict(fields)
    for kind in ATTACHMENT_KINDS:
        data[f"file_{kind}"] = pdf(f"{kind}.pdf")
    return data


def open_task(application_id: int, spec: str, assignee_id: int | None = None) -> HumanTask:
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    query = select(HumanTask).where(HumanTask.instance_id == application.instance_id, HumanTask.status == "open",
                                    HumanTask.task_spec == spec)
    if assignee_id:
        query = query.where(HumanTask.assignee_id == assignee_id)
    rows = db.session.scalars(query).all()
    assert len(rows) == 1, f"expected one open {spec}, got {len(rows)}"
    return rows[0]


def start_application(browser, name: str = "青城创客空间") -> int:
    response = browser.post("/applications/new", {"space_name": name})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    task_id = int(re.search(r"/tasks/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(HumanTask, task_id).instance.subject_id


def complete(browser, task: HumanTask, data: dict, expect: int = 302):
    response = browser.post(f"/tasks/{task.id}", data)
    assert response.status_code == expect, response.get_data(as_text=True)[:3000]
    return response


def submit_application(login, application_id: int, **overrides):
    task = open_task(application_id, "submit_application")
    return complete(login("applicant_a"), task, with_files(application_fields(**overrides)))


def through_to_shortlist(login, world, application_id: int, experts=("expert1", "expert2", "expert3"), total=80,
                         totals: tuple[float, ...] | None = None):
    """Every review up to the shortlist; each expert scores `total`, or the experts their own `totals`."""
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    ids = [world["users"][e].id for e in experts]
    complete(login("torch1"), open_task(application_id, "organise_review"), {"panel_experts": [str(i) for i in ids]})
    for name, score in zip(experts, totals or [total] * len(experts), strict=True):
        user = world["users"][name]
        complete(login(name), open_task(application_id, "expert_review", user.id),
                 {"base": str(score), "bonus": "0", "comments": "材料齐全，运营良好"})
    complete(login("torch1"), open_task(application_id, "site_inspection"),
             {"site_inspection_passed": "yes", "site_inspection_report": "场地与申报一致"})
    complete(login("torch2"), open_task(application_id, "credit_check"), {"credit_blacklisted": "no", "credit_abnormal": "no", "credit_notes": ""})


def shortlisted(login, world) -> int:
    """A new application of organisation A, through every review and on the shortlist: its notice runs."""
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    through_to_shortlist(login, world, application_id)
    complete(login("approver"), open_task(application_id, "shortlist_decision"),
             {"shortlist_decision": "shortlist", "shortlist_comments": ""})
    return application_id


def recognise(login, world, application_id: int):
    submit_application(login, application_id)
    through_to_shortlist(login, world, application_id)
    complete(login("approver"), open_task(application_id, "shortlist_decision"),
             {"shortlist_decision": "shortlist", "shortlist_comments": ""})
    move_clock(days=10)


def move_clock(days: float) -> None:
    from tasks.sweep import sweep_once

    clock.advance(timedelta(days=days))
    sweep_once()
    db.session.expire_all()


def user(world, name: str) -> User:
    return world["users"][name]
