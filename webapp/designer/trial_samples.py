"""Sample answers for a trial run (webapp/designer/trial.py): what each user task is completed with.

A task's answer is, in order: a sensible default for its registered form (the happy path the engine
scenarios take: eligible facts, recommend, materials complete, shortlist, no objection…); the first option
of each `choices.<field>` it declares; for a step with declared fields (`field.<name>`) a value of each
field's type; for anything else a comment. The designer's JSON, keyed by the task's id, then replaces
top-level keys. Who the experts are and which expert scores are filled in while the trial runs.
"""

from __future__ import annotations

import copy
from typing import Any

from forms.declared import declared_choices
from forms.generated import declared_fields
from webapp.demo_history import REPORT as DEMO_REPORT

NOTE = "试运行"

# The facts of an application that passes every check of eligibility.dmn (as in the demo data).
FACTS: dict[str, Any] = {
    "space_name": "试运行众创空间", "legal_entity": True, "operating_years": 3.0, "controlled_area_m2": 1200.0,
    "total_area_m2": 1200.0, "public_area_m2": 700.0, "premises_leased": True, "lease_years": 5.0,
    "has_admission_exit_rules": True, "has_finance_rules": True, "has_daily_rules": True,
    "business_model": "开放共享、投资与专业服务相结合", "management_staff": 6, "mentors": 8,
    "infrastructure_ready": True, "services_offered": ["incubation", "finance"], "new_residents_per_year": 10,
    "training_events_per_year": 12, "incubation_cases": 4, "investor_partners": 3, "free_service_months": 12,
    "existing_designation": "none",
}

# The demo history's half-year report (the same figures), marked as a trial's.
REPORT: dict[str, Any] = {**DEMO_REPORT["report"], "summary": "本半年度运营平稳（试运行）。"}

BY_FORM_KEY: dict[str, dict[str, Any]] = {
    "recognition.application": FACTS,
    "recognition.supplement": {"supplement_note": "已补充材料（试运行）"},
    "recognition.recommend": {"recommender_decision": "recommend", "recommendation_letter": "同意推荐（试运行）",
                              "recommender_comments": ""},
    "recognition.material_review": {"material_decision": "complete", "material_comments": ""},
    "recognition.organise_review": {},
    "recognition.expert_score": {"expert_score": {"base": 85.0, "bonus": 5.0, "total": 90.0, "comments": NOTE}},
    "recognition.site_inspection": {"site_inspection_passed": True, "site_inspection_report": "场地与申报一致（试运行）"},
    "recognition.credit_check": {"credit_blacklisted": False, "credit_abnormal": False, "credit_notes": ""},
    "recognition.shortlist": {"shortlist_decision": "shortlist", "shortlist_comments": "", "override_reason": ""},
    "recognition.panel_discussion": {"panel_discussion": "专家组讨论，维持原评分（试运行）"},
    "recognition.investigate_objection": {"objection_findings": "经核实，异议不成立（试运行）"},
    "recognition.decide_objection": {"objection_upheld": False, "objection_answer": "异议不成立（试运行）"},
    "lifecycle.half_year_report": {"report": REPORT},
    "lifecycle.self_assessment": {"self_assessment": "各项指标达标（试运行）", "self_score": 90.0},
    "lifecycle.evaluation_material_review": {"materials_false": False, "material_comments": ""},
    "lifecycle.organise_evaluation": {},
    "lifecycle.evaluation_score": {"expert_score": {"comments": NOTE}},
    "lifecycle.confirm_grade": {"confirm_comments": ""},
    "lifecycle.national_filing": {},
    "lifecycle.change_request": {"change_description": "经营场地扩大（试运行）", "new_total_area_m2": 1600.0,
                                 "new_organisation_id": None},
    "lifecycle.change_forward": {"forward_decision": "forward", "forward_comments": ""},
    "lifecycle.change_accept": {"change_accepted": True, "change_comments": ""},
    "lifecycle.investigate_violation": {"violation_findings": "经核实（试运行）"},
    "lifecycle.decide_violation": {"revoke": False, "decision_reason": "情节轻微，不予撤销（试运行）"},
}
PANEL_FORMS = ("recognition.organise_review", "lifecycle.organise_evaluation")
SCORE_FORMS = ("recognition.expert_score", "lifecycle.evaluation_score")


def _declared_value(spec: str) -> dict[str, Any]:
    kind, _sep, rest = spec.partition("|")
    _label, _sep, choices = rest.partition("|")
    if kind == "yesno":
        return {"": True}
    if kind == "choice":
        options = [part.split("=", 1) for part in choices.split(";") if "=" in part]
        return {"": options[0][0], "_label": options[0][1]} if options else {"": ""}
    if kind == "integer":
        return {"": 1}
    if kind == "number":
        return {"": 1.0}
    return {"": NOTE}


def default_answer(form_key: str, properties: dict, sheet: list[dict] | None = None) -> dict[str, Any]:
    """The answer a task is completed with unless the designer gives another (see the module's doc)."""
    if form_key in BY_FORM_KEY:
        answer = copy.deepcopy(BY_FORM_KEY[form_key])
    else:
        fields = declared_fields(properties)
        answer = {"comment": NOTE} if not fields else {}
        for name, spec in fields:
            answer.update({f"{name}{suffix}": value for suffix, value in _declared_value(spec).items()})
    for name, options in declared_choices(properties):
        if options and name not in answer:
            answer[name], answer[f"{name}_label"] = options[0]
    if form_key == "lifecycle.evaluation_score" and sheet:
        # Full marks on every item of the sheet the case runs on (the designer lowers them in the JSON).
        answer["expert_score"]["items"] = {item["code"]: item["max"] for item in sheet}
    return answer


def merged(default: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    return {**default, **(override or {})}


def fill_in(answer: dict[str, Any], form_key: str, properties: dict, *, experts: list[int], assignee: int | None,
            sheet: list[dict] | None) -> dict[str, Any]:
    """What only the running trial knows: the panel (from its experts) and which expert scores."""
    answer = copy.deepcopy(answer)
    if form_key in PANEL_FORMS and not answer.get("panel_experts"):
        wanted = max(int(properties.get("minExperts") or 3), 3)
        answer["panel_experts"] = experts[:wanted]
    if form_key in SCORE_FORMS and isinstance(answer.get("expert_score"), dict):
        score = answer["expert_score"]
        score["expert_id"] = assignee
        items = score.get("items")
        if sheet and isinstance(items, dict):
            parts = {item["code"]: item["part"] for item in sheet}
            score["base"] = round(sum(float(v) for k, v in items.items() if parts.get(k) != "bonus"), 2)
            score["bonus"] = round(sum(float(v) for k, v in items.items() if parts.get(k) == "bonus"), 2)
        score["total"] = round(float(score.get("base") or 0) + float(score.get("bonus") or 0), 2)
    return answer
