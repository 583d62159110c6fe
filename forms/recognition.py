"""Forms of recognition.bpmn (Art. 6–9). APPLICATION_FORM, the applicant's own form's key, is defined with the
model whose files it versions and re-exported here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.models.recognition import APPLICATION_FORM

from . import FormContext, TaskForm, register
from .fields import (
    MultiCheckboxField,
    amount_field,
    area_field,
    as_bool,
    as_number,
    count_field,
    plain_number,
    reasons_unless,
    yes_no_field,
)
from .scores import score_caps
from .text import single_line

SERVICES = [  # Art. 6(5)
    ("rd_design", _l("R&D and design")), ("tech_transfer", _l("Technology transfer")),
    ("testing", _l("Certification and testing")), ("incubation", _l("Incubation")),
    ("ip", _l("Intellectual property")), ("consulting", _l("Technology consulting")),
    ("finance", _l("Technology finance")), ("info_platform", _l("Information platform")),
]
BOOL_FACTS = ("legal_entity", "premises_leased", "has_admission_exit_rules", "has_finance_rules",
              "has_daily_rules", "infrastructure_ready")
NUMBER_FACTS = ("operating_years", "controlled_area_m2", "total_area_m2", "public_area_m2", "lease_years")




@register(APPLICATION_FORM)
class ApplicationForm(TaskForm):
    """The application (Art. 6, Art. 7). Its attachments and the Art. 9 designations are declared in the
    diagram (`attachment.*`, `choices.existing_designation`; forms/declared.py)."""

    template = "tasks/form_application.html"

    space_name = StringField(_l("Name of the maker space"), filters=[single_line],
                             validators=[DataRequired(_l("Please fill in this field.")), Length(max=200)])
    legal_entity = yes_no_field(_l("The operator is an independent legal entity (or an internal unit of one) registered in Inner Mongolia"))
    operating_years = amount_field(_l("Years in operation"), maximum=200)
    controlled_area_m2 = area_field(_l("Area under the operator's own control (m²)"))
    total_area_m2 = area_field(_l("Total area of the space (m²)"))
    public_area_m2 = area_field(_l("Public/shared area (m²)"))
    premises_leased = yes_no_field(_l("The premises are leased"))
    lease_years = amount_field(_l("Lease term (years; 0 if not leased)"), maximum=100)
    has_admission_exit_rules = yes_no_field(_l("Rules for admission and exit of resident start-ups"))
    has_finance_rules = yes_no_field(_l("Financial management rules"))
    has_daily_rules = yes_no_field(_l("Daily management and service rules"))
    business_model = TextAreaField(_l("Sustainable business model"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])
    management_staff = count_field(_l("Management and service staff with relevant skills"))
    mentors = count_field(_l("Start-up mentors"))
    infrastructure_ready = yes_no_field(_l("Power, water, fire safety, telecoms and network ready to move in and start"))
    services_offered = MultiCheckboxField(_l("Services offered"), choices=SERVICES)
    new_residents_per_year = count_field(_l("New resident teams or enterprises per year"))
    training_events_per_year = count_field(_l("Training events per year (salons, lectures, camps)"))
    incubation_cases = count_field(_l("Successful incubation cases"))
    investor_partners = count_field(_l("Partner investors and guarantee institutions"))
    free_service_months = count_field(_l("Months of free services for resident start-ups"), maximum=600)
    existing_designation = SelectField(_l("Already recognised or filed as"), choices=[], validators=[InputRequired()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.total_area_m2.data is not None and self.public_area_m2.data is not None \
                and self.public_area_m2.data > self.total_area_m2.data:
            self.public_area_m2.errors.append(_l("The public area cannot exceed the total area."))
            ok = False
        if self.premises_leased.data == "yes" and not self.lease_years.data:
            self.lease_years.errors.append(_l("Enter the lease term for leased premises."))
            ok = False
        return ok

    def task_data(self) -> dict:
        data = {
            "space_name": self.space_name.data.strip(),
            "business_model": self.business_model.data.strip(),
            "services_offered": list(self.services_offered.data or []),
            "existing_designation": self.existing_designation.data,
        }
        data.update({name: as_bool(getattr(self, name).data) for name in BOOL_FACTS})
        data.update({name: as_number(getattr(self, name).data) for name in NUMBER_FACTS})
        for name in ("management_staff", "mentors", "new_residents_per_year", "training_events_per_year",
                     "incubation_cases", "investor_partners", "free_service_months"):
            data[name] = int(getattr(self, name).data)
        return data

    @classmethod
    def initial(cls, data: dict) -> dict:
        # The fields of the whole class chain: form_class_for wraps this form in a subclass of its own (the
        # diagram's declared attachments and choices), so cls.__dict__ alone would find none of them.
        fields = {name for klass in cls.__mro__ for name, value in vars(klass).items() if hasattr(value, "field_class")}
        values = {k: v for k, v in data.items() if k in fields or k in ("space_name",)}
        for name in BOOL_FACTS:
            if name in data:
                values[name] = "yes" if data[name] else "no"
        return values


@register("recognition.supplement")
class SupplementForm(TaskForm):
    supplement_note = TextAreaField(_l("What was supplemented"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=2000)])


def _decision(label, choices):
    return RadioField(label, choices=choices, validators=[InputRequired(_l("Please choose one."))])


@register("recognition.recommend")
class RecommendForm(TaskForm):
    recommender_decision = _decision(_l("Decision"), [
        ("recommend", _l("Recommend (issue a recommendation letter)")),
        ("return", _l("Return to the applicant for revision")),
        ("decline", _l("Decline to recommend")),
    ])
    recommendation_letter = TextAreaField(_l("Recommendation letter"), validators=[Optional(), Length(max=4000)])
    recommender_comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.recommender_decision.data == "recommend" and not (self.recommendation_letter.data or "").strip():
            self.recommendation_letter.errors.append(_l("A recommendation needs a recommendation letter."))
            ok = False
        return reasons_unless(self, self.recommender_decision, "recommend", self.recommender_comments) and ok


@register("recognition.material_review")
class MaterialReviewForm(TaskForm):
    material_decision = _decision(_l("Materials"), [
        ("complete", _l("Complete")), ("supplement", _l("Ask the applicant to supplement")),
    ])
    material_comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return reasons_unless(self, self.material_decision, "complete", self.material_comments) and ok


def experts_by_conflict(ctx: FormContext):
    """(experts without a conflict of interest with the case, those with one: same organisation or unit)."""
    from webapp.extensions import db
    from webapp.models import User

    subject = ctx.subject
    experts = db.session.scalars(select(User).where(User.role == "expert", User.active.is_(True)).order_by(User.id))
    free, recused = [], []
    for expert in experts:
        (recused if expert.has_conflict_with(subject.organisation_id, subject.unit_id) else free).append(expert)
    return free, recused


class ExpertPanelForm(TaskForm):
    """The panel size is the diagram's: properties `minExperts` / `maxExperts` of the user task."""

    panel_experts = MultiCheckboxField(_l("Experts on the panel"), coerce=int, not_offered=_l(
        "The experts chosen are not among those who can be on this panel: tick experts from the list below."))

    def prepare(self, ctx: FormContext) -> None:
        super().prepare(ctx)
        free, recused = experts_by_conflict(ctx)
        self.panel_experts.choices = [(u.id, u.display_name) for u in free]
        if recused:  # said, not silently left out (a walk of the demo looked for an expert who was not there)
            self.panel_experts.description = _l(
                "Not offered, for a conflict of interest with the applicant (the same organisation or recommending "
                "unit): %(names)s.", names="、".join(u.display_name for u in recused))
        self.min_experts = int(ctx.properties.get("minExperts", 1))
        self.max_experts = int(ctx.properties.get("maxExperts", 99))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.panel_experts.errors:  # an expert not offered: choosing again is what matters, not the count
            return False
        picked = list(self.panel_experts.data or [])
        if len(set(picked)) != len(picked):  # one expert sent three times is not a panel of three
            self.panel_experts.errors.append(_l("Each expert can be on the panel only once."))
            return False
        chosen = len(picked)
        if not self.min_experts <= chosen <= self.max_experts:
            self.panel_experts.errors.append(
                _l("Choose from %(min)s to %(max)s experts.", min=self.min_experts, max=self.max_experts))
            ok = False
        return ok

    def task_data(self) -> dict:
        return {"panel_experts": [int(x) for x in self.panel_experts.data]}


register("recognition.organise_review")(ExpertPanelForm)


class ExpertScoreForm(TaskForm):
    """Base and bonus, each up to the cap the diagram's combining step applies (forms/scores.py)."""

    base = amount_field(_l("Base score"))
    bonus = amount_field(_l("Bonus"))
    comments = TextAreaField(_l("Comments"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])

    def prepare(self, ctx) -> None:
        super().prepare(ctx)
        self.caps = score_caps(ctx.extra.get("bundle"), ctx.extra.get("process_id", ""))
        for part in ("base", "bonus"):
            if part in self._fields:  # the item-by-item sheet replaces them
                most = plain_number(self.caps[part])
                self[part].label.text = (_l("Base score (0–%(most)s)", most=most) if part == "base"
                                         else _l("Bonus (0–%(most)s)", most=most))
                self[part].validators = [InputRequired(_l("Please fill in this field.")), NumberRange(
                    min=0, max=most, message=_l("Enter a number from %(min)s to %(max)s."))]

    def task_data(self) -> dict:
        base, bonus = float(self.base.data), float(self.bonus.data)
        return {"expert_score": {"expert_id": self.ctx.user.id, "base": base, "bonus": bonus,
                                 "total": round(base + min(bonus, self.caps["bonus"]), 2), "comments": self.comments.data}}


register("recognition.expert_score")(ExpertScoreForm)


@register("recognition.site_inspection")
class SiteInspectionForm(TaskForm):
    site_inspection_passed = yes_no_field(_l("The premises and services match the application"))
    site_inspection_report = TextAreaField(_l("Inspection report"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])

    def task_data(self) -> dict:
        return {"site_inspection_passed": as_bool(self.site_inspection_passed.data),
                "site_inspection_report": self.site_inspection_report.data}


@register("recognition.credit_check")
class CreditCheckForm(TaskForm):
    """Art. 8 credit check; a listing ends the case in the diagram (Art. 20), so the finding needs its source."""

    credit_blacklisted = yes_no_field(_l("Listed in the dishonesty blacklist (失信黑名单)"))
    credit_abnormal = yes_no_field(_l("Listed in the abnormal-operations register (经营异常名录)"))
    credit_notes = TextAreaField(_l("Sources checked and findings"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        listed = "yes" in (self.credit_blacklisted.data, self.credit_abnormal.data)
        if listed and not (self.credit_notes.data or "").strip():
            self.credit_notes.errors.append(_l("Say where the listing was found (it ends the application)."))
            ok = False
        return ok

    def task_data(self) -> dict:
        return {"credit_blacklisted": as_bool(self.credit_blacklisted.data),
                "credit_abnormal": as_bool(self.credit_abnormal.data), "credit_notes": self.credit_notes.data or ""}


@register("recognition.shortlist")
class ShortlistForm(TaskForm):
    template = "tasks/form_shortlist.html"
    shortlist_decision = _decision(_l("Decision"), [
        ("shortlist", _l("Put on the shortlist")), ("reject", _l("Do not select")),
    ])
    shortlist_comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])
    override_reason = TextAreaField(_l("Why the space is shortlisted despite the failed on-site inspection"),
                                    validators=[Optional(), Length(max=2000)])

    def prepare(self, ctx: FormContext) -> None:
        """The approver sees the other applications of the same round, ranked by panel score. A failed
        on-site inspection is a negative finding: shortlisting over it needs a recorded reason."""
        from webapp.extensions import db
        from webapp.models import Application

        super().prepare(ctx)
        subject = ctx.subject
        self.ranking = db.session.scalars(
            select(Application).where(Application.round_id == subject.round_id, Application.panel_score.is_not(None))
            .order_by(Application.panel_score.desc(), Application.id)
        ).all() if subject is not None else []
        self.inspection_failed = ctx.data.get("site_inspection_passed") is False
        if not self.inspection_failed:
            del self._fields["override_reason"]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if (self.inspection_failed and self.shortlist_decision.data == "shortlist"
                and not (self.override_reason.data or "").strip()):
            self.override_reason.errors.append(
                _l("The on-site inspection failed: give the reason for shortlisting anyway (it is recorded)."))
            ok = False
        return reasons_unless(self, self.shortlist_decision, "shortlist", self.shortlist_comments) and ok

    def task_data(self) -> dict:
        data = super().task_data()
        data["override_reason"] = (self.override_reason.data or "").strip() if self.inspection_failed else ""
        return data


@register("recognition.panel_discussion")
class PanelDiscussionForm(TaskForm):
    """The panel's totals differ by more than the diagram's flag_spread_over: what the panel concluded when it
    discussed them (the approver reads it beside the scores)."""
    panel_discussion = TextAreaField(
        _l("Record of the panel's discussion"),
        description=_l("When and how the panel discussed the differing scores, and its conclusion (for example "
                       "whether experts revised their sheets, and why the combined score stands)."),
        validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])


@register("recognition.investigate_objection")
class InvestigateObjectionForm(TaskForm):
    objection_findings = TextAreaField(_l("Findings of the investigation"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])


@register("recognition.decide_objection")
class DecideObjectionForm(TaskForm):
    objection_upheld = yes_no_field(_l("The objection is upheld"))
    objection_answer = TextAreaField(
        _l("Written answer"),
        # An upheld objection's answer is the reason the applicant reads for losing its place (webapp/decisions.py).
        description=_l("The answer is given to the objector; when the objection is upheld, the applicant also reads it "
                       "as the reason for the outcome. Do not write the objector's name, organisation or contact "
                       "details."),
        validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])

    def task_data(self) -> dict:
        return {"objection_upheld": as_bool(self.objection_upheld.data), "objection_answer": self.objection_answer.data}
