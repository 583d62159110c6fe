"""Demo history: maker spaces in every state of their life, produced by the real diagrams.

The clock is frozen a few years back, spaces are recognised along the way, and time is moved forward
to today while people do their tasks (reports on time, evaluations scored, a violation decided), so a
newcomer sees recently recognised, report-due, under-evaluation (and one whose evaluation opens in about ten days),
rectification, revoked and national spaces — each with the history that led there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tasks.sweep import sweep_once
from webapp.clock import clock
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import HumanTask, MakerSpace, Organisation, ProcessInstance, User
from webapp.simulation import recognised_space_now

REPORT = {"report": {
    "workstations": 120, "service_staff": 8, "service_staff_fulltime": 6, "mentors": 10, "teams_served": 40,
    "team_members": 160, "startups": 25, "jobs_created": 210, "jobs_graduates": 60, "new_residents": 9,
    "enterprises_registered": 7, "teams_funded": 5, "events_held": 12, "trainings_held": 8, "valid_ip": 30,
    "invention_patents": 6, "incubation_cases": 3, "total_area_m2": 1800.0, "public_area_m2": 1000.0,
    "funding_k": 5200.0, "income_k": 3100.0, "service_income_k": 1400.0, "investment_income_k": 300.0,
    "operating_cost_k": 2600.0, "summary": "本半年度运营平稳，入驻团队稳步增长。",
}}

# (days before today it was recognised, organisation, name, what happens to it)
SPACES = [
    (3 * 365 + 200, "qingcheng", "青城众创汇", "excellent_national"),
    (3 * 365 + 100, "lucheng", "鹿城众创空间", "fail"),
    (3 * 365 + 10, "caoyuan", "草原星火众创空间", "under_evaluation"),
    (3 * 365 - 10, "caoyuan", "草原星火创新工场", "evaluation_soon"),  # its evaluation opens in about 10 days
    (2 * 365, "caoyuan", "草原星火青年创业园", "revoked"),
    (183 + 5, "lucheng", "鹿城青年创业园", "report_due"),
    (20, "qingcheng", "青城数字创意空间", "recent"),
]


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _tasks(space: MakerSpace) -> list[HumanTask]:
    return list(db.session.scalars(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.subject_type == "space", ProcessInstance.subject_id == space.id,
               HumanTask.status == "open").order_by(HumanTask.id)))


def _do(space: MakerSpace, spec: str, username: str, data: dict, assignee: int | None = None) -> bool:
    for task in _tasks(space):
        if task.task_spec == spec and (assignee is None or task.assignee_id == assignee):
            Runtime(actor=_user(username)).complete(task, data)
            db.session.commit()
            return True
    return False


def _evaluate(space: MakerSpace, applicant: str, total: float) -> None:
    experts = [_user(n).id for n in ("expert3", "expert4", "expert5")]
    _do(space, "self_assessment", applicant, {"self_assessment": "三年运营情况自评：各项指标达标。", "self_score": total})
    _do(space, "evaluation_material_review", "torch1", {"materials_false": False, "material_comments": "材料齐全"})
    _do(space, "organise_evaluation", "torch1", {"panel_experts": experts})
    for expert_id in experts:
        _do(space, "evaluation_score", "expert3", {"expert_score": {
            "expert_id": expert_id, "base": min(total, 100), "bonus": max(total - 100, 0), "total": total,
            "comments": "按评价指标体系评分"}}, assignee=expert_id)
    _do(space, "confirm_grade", "approver", {"confirm_comments": ""})


def seed_history(today: datetime) -> None:
    if db.session.scalar(select(MakerSpace).limit(1)) is not None:
        return
    plan = sorted(SPACES, key=lambda s: -s[0])
    clock.freeze(today - timedelta(days=plan[0][0]))
    spaces: dict[str, tuple[MakerSpace, str, str]] = {}
    try:
        while True:
            for days, org_code, name, fate in plan:
                if name not in spaces and clock.now() >= today - timedelta(days=days):
                    spaces[name] = (_recognise(org_code, name), org_code, fate)
            quiet = clock.now() >= today - timedelta(days=15)  # leave the newest work open
            for space, applicant, fate in spaces.values():
                specs = {t.task_spec for t in _tasks(space)}
                if "half_year_report" in specs and not quiet:
                    _do(space, "half_year_report", applicant, REPORT)
                if "self_assessment" in specs and fate in ("excellent_national", "fail"):
                    _evaluate(space, applicant, 90 if fate == "excellent_national" else 45)
                if "national_filing" in specs:
                    _do(space, "national_filing", "approver", {"national_filing_result": "national"})
                if fate == "revoked" and space.status != "revoked" and clock.now() >= today - timedelta(days=30):
                    _revoke(space)
            if clock.now() >= today:
                break
            clock.advance(min(timedelta(days=10), today - clock.now()))
            sweep_once()
    finally:
        clock.reset()


def _recognise(org_code: str, name: str) -> MakerSpace:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name.like(f"%{_ORG_NAMES[org_code]}%")))
    return recognised_space_now(name, organisation.id, organisation.unit_id)


def _revoke(space: MakerSpace) -> None:
    runtime = Runtime(actor=_user("torch1"))
    runtime.start("violation_case", subject_type="space", subject_id=space.id, organisation_id=space.organisation_id,
                  unit_id=space.unit_id, data={"space_id": space.id, "violation_type": "blacklist",
                                               "violation_description": "被列入失信“黑名单”（第二十条）"})
    db.session.commit()
    _do(space, "investigate_violation", "torch1", {"violation_findings": "经核实，该运营机构已被列入失信黑名单。"})
    _do(space, "decide_violation", "approver", {"revoke": True, "decision_reason": "依据第二十条取消众创空间资格"})


_ORG_NAMES = {"qingcheng": "青城创客", "lucheng": "鹿城众创", "caoyuan": "草原星火"}


FACTS = {
    "legal_entity": True, "operating_years": 3.0, "controlled_area_m2": 1200.0, "total_area_m2": 1200.0,
    "public_area_m2": 700.0, "premises_leased": True, "lease_years": 5.0, "has_admission_exit_rules": True,
    "has_finance_rules": True, "has_daily_rules": True, "business_model": "开放共享、投资与专业服务相结合",
    "management_staff": 6, "mentors": 8, "infrastructure_ready": True, "services_offered": ["incubation", "finance"],
    "new_residents_per_year": 10, "training_events_per_year": 12, "incubation_cases": 4, "investor_partners": 3,
    "free_service_months": 12, "existing_designation": "none",
}


def seed_applications() -> None:
    """Two applications of the open round in progress: one at its recommender, one at the Torch Center."""
    from webapp.models import Application
    from webapp.rounds.service import round_for

    if db.session.scalar(select(Application).limit(1)) is not None:
        return
    for org_code, name, steps in (("lucheng", "鹿城智造众创空间", 1), ("caoyuan", "鄂尔多斯能源创新工场", 2)):
        organisation = db.session.scalar(select(Organisation).where(Organisation.name.like(f"%{_ORG_NAMES[org_code]}%")))
        round_ = round_for(organisation.unit_id)
        application = Application(round_id=round_.id, organisation_id=organisation.id, unit_id=organisation.unit_id,
                                  space_name=name, status="in_review", facts={**FACTS, "space_name": name})
        db.session.add(application)
        db.session.flush()
        instance = Runtime(actor=_user(org_code)).start(
            "recognition", subject_type="application", subject_id=application.id, organisation_id=organisation.id,
            unit_id=organisation.unit_id, data={"application_id": application.id, "round_id": round_.id,
                                                "round_closes_at": round_.closes_at.isoformat()})
        application.instance_id = instance.id
        db.session.commit()
        _complete_application_task(instance.id, "submit_application", org_code, {**FACTS, "space_name": name})
        if steps > 1:
            bureau = {"lucheng": "baotou_bureau", "caoyuan": "ordos_bureau"}[org_code]
            _complete_application_task(instance.id, "recommender_review", bureau, {
                "recommender_decision": "recommend", "recommendation_letter": "经审核，同意推荐。", "recommender_comments": ""})


def _complete_application_task(instance_id: int, spec: str, username: str, data: dict) -> None:
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.task_spec == spec,
                                                     HumanTask.status == "open"))
    Runtime(actor=_user(username)).complete(task, data)
    db.session.commit()
