"""Forms of the lifecycle diagrams (Art. 15–20)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from . import TaskForm, register
from .fields import (
    NumberField,
    amount_field,
    area_field,
    as_bool,
    count_field,
    plain_number,
    yes_no_field,
)
from .recognition import ExpertPanelForm, ExpertScoreForm
from .scores import process_score_sheet, score_caps

register("lifecycle.organise_evaluation")(ExpertPanelForm)


@register("lifecycle.evaluation_score")
class SheetScoreForm(ExpertScoreForm):
    """Item-by-item scoring on the sheet the diagram names (property `scoreSheet`: a decision table whose
    rows are the items, in the version the case runs on). The app adds up base and bonus; the combining
    step caps them (Art. 19.1). Without a sheet: base and bonus as before."""

    template = "tasks/form_sheet.html"

    def prepare(self, ctx) -> None:
        super().prepare(ctx)
        self.sheet = score_sheet(ctx.extra.get("bundle"), ctx.properties.get("scoreSheet", ""))
        for item in self.sheet:
            unbound = NumberField(f"{item['code']} {item['label']}", places=2, validators=[
                InputRequired(_l("Please fill in this field.")),
                NumberRange(min=0, max=plain_number(item["max"]), message=_l("Enter a number from %(min)s to %(max)s."))])
            field = unbound.bind(form=self, name=f"item_{item['code']}", prefix=self._prefix)
            field.process(self.meta.wrap_formdata(self, _formdata()))
            self._fields[field.name] = field
            item["field"] = field
        if self.sheet:
            for name in ("base", "bonus"):
                del self._fields[name]

    def validate(self, extra_validators=None) -> bool:
        return super().validate(extra_validators)

    def task_data(self) -> dict:
        if not self.sheet:
            return super().task_data()
        items = {item["code"]: float(item["field"].data) for item in self.sheet}
        base = sum(items[i["code"]] for i in self.sheet if i["part"] != "bonus")
        bonus = sum(items[i["code"]] for i in self.sheet if i["part"] == "bonus")
        return {"expert_score": {"expert_id": self.ctx.user.id, "items": items, "base": round(base, 2),
                                 "bonus": round(bonus, 2), "total": round(base + bonus, 2),
                                 "comments": self.comments.data}}


def _formdata():
    from flask import request

    return request.form if request and request.method == "POST" else None


def score_sheet(bundle, decision_id: str) -> list[dict]:
    """The sheet's rows from the decision table `decision_id` of the version the case runs on: outputs
    `sheet_code`, `sheet_dimension`, `sheet_label`, `sheet_max`, `sheet_part` (base|bonus)."""
    if not decision_id or bundle is None:
        return []
    from webapp.engine.definitions import decision_rows

    return [{"code": str(r.get("sheet_code")), "dimension": str(r.get("sheet_dimension") or ""),
             "label": str(r.get("sheet_label") or ""), "max": float(r.get("sheet_max") or 0),
             "part": str(r.get("sheet_part") or "base")} for r in decision_rows(bundle, decision_id)]


# Half-year statistics (evaluation-defaults.md); money in thousands of yuan (千元), as Torch statistics.
REPORT_COUNTS = [
    ("workstations", _l("Workstations")), ("service_staff", _l("Service staff")),
    ("service_staff_fulltime", _l("of which full-time")), ("mentors", _l("Mentors")),
    ("teams_served", _l("Teams served")), ("team_members", _l("Members of the teams served")),
    ("startups", _l("Start-ups")), ("jobs_created", _l("Jobs created by start-ups")),
    ("jobs_graduates", _l("of which new graduates")), ("new_residents", _l("New resident teams/enterprises")),
    ("enterprises_registered", _l("Enterprises newly registered")), ("teams_funded", _l("Teams/enterprises funded")),
    ("events_held", _l("Events held")), ("trainings_held", _l("Trainings held")),
    ("valid_ip", _l("Valid IP")), ("invention_patents", _l("of which invention patents")),
    ("incubation_cases", _l("Successful incubation cases")),
]
REPORT_AMOUNTS = [
    ("total_area_m2", _l("Total area (m²)")), ("public_area_m2", _l("Public service area (m²)")),
    ("funding_k", _l("Total funding (thousand yuan)")), ("income_k", _l("Total income (thousand yuan)")),
    ("service_income_k", _l("Service income (thousand yuan)")),
    ("investment_income_k", _l("Investment income (thousand yuan)")),
    ("operating_cost_k", _l("Operating cost (thousand yuan)")),
]
# Floor areas among the figures: capped as every area a form takes (forms/fields.py), the money at 1e9.
REPORT_AREAS = ("total_area_m2", "public_area_m2")
# (part, whole): a part may not exceed its whole.
REPORT_CHECKS = [
    ("service_staff_fulltime", "service_staff"), ("jobs_graduates", "jobs_created"),
    ("invention_patents", "valid_ip"), ("public_area_m2", "total_area_m2"),
    ("service_income_k", "income_k"), ("investment_income_k", "income_k"),
    ("teams_funded", "teams_served"),
]


def _report_fields(cls):
    for name, label in REPORT_COUNTS:
        setattr(cls, name, count_field(label))
    for name, label in REPORT_AMOUNTS:
        setattr(cls, name, area_field(label) if name in REPORT_AREAS else amount_field(label, maximum=1e9))
    return cls


@register("lifecycle.half_year_report")
@_report_fields
class HalfYearReportForm(TaskForm):
    summary = TextAreaField(_l("Operations summary"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for part, whole in REPORT_CHECKS:
            a, b = getattr(self, part).data, getattr(self, whole).data
            if a is not None and b is not None and a > b:
                getattr(self, part).errors.append(
                    _l("Cannot be more than “%(whole)s”.", whole=getattr(self, whole).label.text))
                ok = False
        return ok

    def task_data(self) -> dict:
        report = {name: int(getattr(self, name).data) for name, _ in REPORT_COUNTS}
        report.update({name: float(getattr(self, name).data) for name, _ in REPORT_AMOUNTS})
        report["summary"] = self.summary.data
        return {"report": report}


@register("lifecycle.self_assessment")
class SelfAssessmentForm(TaskForm):
    """The page shows the indicators the operator assesses itself against: the sheet the experts of the same
    evaluation score on (the `scoreSheet` of a step of this process), in the version the case runs on, so an
    edit of the table changes this page too."""

    template = "tasks/form_self_assessment.html"
    self_assessment = TextAreaField(_l("Self-assessment against the evaluation sheet"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=8000)])
    self_score = amount_field(_l("Self-assessed score (0–120)"), maximum=120)

    def prepare(self, ctx) -> None:
        super().prepare(ctx)
        bundle = ctx.extra.get("bundle")
        self.sheet = score_sheet(bundle, process_score_sheet(bundle, ctx.extra.get("process_id", "")))
        self.caps = score_caps(bundle, ctx.extra.get("process_id", ""))
        most = plain_number(self.caps["base"] + self.caps["bonus"])
        self.self_score.label.text = _l("Self-assessed score (0–%(most)s)", most=most)
        self.self_score.validators = [InputRequired(_l("Please fill in this field.")), NumberRange(
            min=0, max=most, message=_l("Enter a number from %(min)s to %(max)s."))]

    @property
    def sheet_dimensions(self) -> list[dict]:
        """The sheet by dimension, in the table's order: each dimension's name, points and items."""
        groups: list[dict] = []
        for item in self.sheet:
            if not groups or groups[-1]["name"] != item["dimension"]:
                groups.append({"name": item["dimension"], "points": 0.0, "items": []})
            groups[-1]["items"].append(item)
            groups[-1]["points"] = round(groups[-1]["points"] + item["max"], 2)  # 0.1 + 0.2 reads 0.3
        return groups

    def sheet_total(self, part: str) -> float:
        return round(sum(item["max"] for item in self.sheet if (item["part"] == "bonus") == (part == "bonus")), 2)

    def task_data(self) -> dict:
        return {"self_assessment": self.self_assessment.data, "self_score": float(self.self_score.data)}


@register("lifecycle.evaluation_material_review")
class EvaluationMaterialReviewForm(TaskForm):
    materials_false = yes_no_field(_l("The materials contain false information (graded fail, Art. 19.4)"))
    material_comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])

    def task_data(self) -> dict:
        return {"materials_false": as_bool(self.materials_false.data), "material_comments": self.material_comments.data or ""}


@register("lifecycle.confirm_grade")
class ConfirmGradeForm(TaskForm):
    confirm_comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])


@register("lifecycle.national_filing")
class NationalFilingForm(TaskForm):
    """The outcomes are the diagram's (`choices.national_filing_result`)."""

    national_filing_result = RadioField(_l("Outcome of the national filing"), choices=[],
                                        validators=[InputRequired(_l("Please choose one."))])


@register("lifecycle.investigate_violation")
class InvestigateViolationForm(TaskForm):
    violation_findings = TextAreaField(_l("Findings of the investigation"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])


@register("lifecycle.decide_violation")
class DecideViolationForm(TaskForm):
    revoke = yes_no_field(_l("Revoke the recognition"))
    decision_reason = TextAreaField(_l("Reasons"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])

    def task_data(self) -> dict:
        return {"revoke": as_bool(self.revoke.data), "decision_reason": self.decision_reason.data}


__all__ = ["count_field"]
