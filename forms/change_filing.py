"""Forms of the change filing (变更备案, Art. 17; R15): the operator says what changed and gives the new
values; its recommending unit and the Department read them beside the values on record, and a filed change
of operator moves the space to the organisation of the code typed.

The kinds of change are the diagram's (`choices.change_type` on 提交变更报备); this module knows which new
values the kinds it knows cannot be filed without (REQUIRED_BY_KIND). A new operator is typed as its name and
unified social credit code, never chosen from the system's organisations: those are other operators, and
the one taking over may not be registered here yet.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.models import Organisation

from . import TaskForm, kept_uploads, register
from .change_conditions import case_shortfalls
from .fields import (
    NumberField,
    as_bool,
    check_area,
    check_credit_code,
    credit_code_filter,
    reasons_unless,
    yes_no_field,
)
from .text import single_line

OPERATOR_FIELDS = ("new_organisation_name", "new_organisation_credit_code")
# The new values a kind of change cannot be filed without; the others are optional with any kind (a move
# changes the address and often the area). A kind a designer adds to the diagram needs the description only.
# A change of area needs one of the two areas (AREA_FIELDS): a value that does not change is left empty.
AREA_FIELDS = ("new_total_area_m2", "new_public_area_m2")
REQUIRED_BY_KIND = {
    "area": (),
    "address": ("new_address",),
    "operator": OPERATOR_FIELDS,
    "direction": ("new_direction",),
}
# The new values each kind of change is asked for (a move often changes the area too); a value typed for another
# kind is refused: it was filed and read by the reviewers as a change. A kind a designer adds takes any value but
# the operator's (only a change of operator moves the space). In the order the form shows them, one group each.
VALUE_GROUPS = (AREA_FIELDS, ("new_address",), OPERATOR_FIELDS, ("new_direction",))
VALUE_FIELDS = tuple(name for group in VALUE_GROUPS for name in group)
FIELDS_BY_KIND = {
    "area": AREA_FIELDS,
    "address": ("new_address", *AREA_FIELDS),
    "operator": OPERATOR_FIELDS,
    "direction": ("new_direction",),
}


def fields_of_kind(kind: str | None) -> tuple[str, ...]:
    if kind in FIELDS_BY_KIND:
        return FIELDS_BY_KIND[kind]
    return tuple(name for name in VALUE_FIELDS if name not in OPERATOR_FIELDS)


def area_field(label) -> NumberField:
    """A new area, given only when the change is about areas (the kind's fields): optional here."""
    return NumberField(label, places=2, validators=[Optional(), check_area])


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _same_number(typed, on_record) -> bool:
    """1200, 1200.0 and "1200.00" are one area (to the hundredth the form keeps)."""
    if typed is None or on_record in (None, ""):
        return False
    try:
        return round(Decimal(str(typed)), 2) == round(Decimal(str(on_record)), 2)
    except ArithmeticError:
        return False


@register("lifecycle.change_request")
class ChangeRequestForm(TaskForm):
    # The values on record beside the fields (the operator typed a "new" area equal to the old one, and the
    # reviewers read 1800 | 1800 and had to send it back).
    template = "tasks/form_change_request.html"
    change_type = SelectField(_l("What changed"), choices=[], validators=[InputRequired()])
    new_total_area_m2 = area_field(_l("Total area after the change (m²)"))
    new_public_area_m2 = area_field(_l("Public service area after the change (m²)"))
    new_address = StringField(_l("Address of the premises after the change"), filters=[single_line],
                              validators=[Optional(), Length(max=200)])
    new_direction = StringField(_l("Business direction after the change"), filters=[single_line],
                                validators=[Optional(), Length(max=300)])
    new_organisation_name = StringField(_l("Name of the new operating organisation (as on its business licence)"),
                                        filters=[single_line], validators=[Optional(), Length(max=200)])
    new_organisation_credit_code = StringField(_l("Unified social credit code of the new operating organisation"),
                                               filters=[credit_code_filter], validators=[Optional(), check_credit_code])
    change_description = TextAreaField(_l("Description of the change"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])
    # Asked for only when the areas after the change fall short of the recognition conditions (the page shows
    # it with the notice): the filing is not refused, the operator confirms having read what follows.
    conditions_acknowledged = BooleanField(_l("I have read this notice and hand in the filing as it is"))
    conditions_shortfalls: list[str] = []
    # The evidence chosen before the form came back (the notice above, any other error) is kept for its next post
    # (forms/kept_uploads.py): the browser empties the file input, and the operator had to choose it again.
    kept_uploads = HiddenField()
    kept_files: dict[str, str] = {}
    value_fields = VALUE_FIELDS  # shown in groups by kind (kind_groups), the page's other fields around them

    def prepare(self, ctx) -> None:
        super().prepare(ctx)
        self.on_record = values_on_record(ctx.subject)  # read once: shown beside the fields, kept with the filing

    def on_record_hints(self) -> dict[str, list[str]]:
        """What the registry holds beside each field that may change it (address and direction: nothing)."""
        before = getattr(self, "on_record", None) or {}
        if not before:
            return {}
        from webapp.labels import as_number

        def area(key: str) -> str:
            value = before.get(key)
            return str(_l("On record: %(value)s m²", value=as_number(value))) if value not in (None, "") \
                else str(_l("Not on record"))

        source = area_source_text(before)
        total = [area("total_area_m2")] + ([source] if source else [])
        return {
            "new_total_area_m2": total, "new_public_area_m2": [area("public_area_m2")],
            "new_organisation_name": [str(_l("Current operating organisation on record: %(name)s",
                                             name=before.get("organisation_name", "")))],
            "new_organisation_credit_code": [str(_l("Its unified social credit code on record: %(code)s",
                                                    code=before.get("organisation_credit_code") or _l("Not on record")))],
        }

    def validate(self, extra_validators=None) -> bool:
        file_fields = [spec.field_name for spec in getattr(self, "declared_attachments", ())]
        user = getattr(getattr(self, "ctx", None), "user", None)
        restored = kept_uploads.restore(self, user, file_fields)  # checked below like a file chosen now
        ok = self._validate_filing(extra_validators)
        if not ok:
            self.kept_files = kept_uploads.keep(self, user, file_fields, restored)
            # a kept file counts as handed in for the required-material check that follows (forms/declared.py)
            self._present = set(getattr(self, "_present", ())) | {
                spec.kind for spec in self.declared_attachments if spec.field_name in self.kept_files}
        return ok

    def kept_file_hints(self) -> dict[str, list[str]]:
        """Beside a file field whose file is kept for the next post: its name, and that another replaces it."""
        return {name: [str(_l("Uploaded: %(name)s (you may choose another file to replace it)", name=file))]
                for name, file in self.kept_files.items()}

    def _validate_filing(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        kind = self.change_type.data
        label = dict(self.change_type.choices or []).get(kind, kind)
        for name in REQUIRED_BY_KIND.get(kind, ()):
            field = self._fields[name]
            if field.data in (None, "") and not field.errors:
                field.errors.append(_l("A change of “%(kind)s” cannot be filed without this.", kind=label))
                ok = False
        areas = [self._fields[name] for name in AREA_FIELDS]
        if kind == "area" and all(f.data is None and not f.errors for f in areas):
            self.new_total_area_m2.errors.append(_l(
                "A change of “%(kind)s” needs the total area or the public service area after the change.", kind=label))
            ok = False
        ok = self._only_fields_of_the_kind() and ok
        ok = self._changed_areas() and ok
        ok = self._not_the_current_operator() and ok
        return ok and self._conditions_read()  # the areas checked against the conditions once they are valid

    def _conditions_read(self) -> bool:
        """Areas that leave the space short of the recognition conditions are filed once the operator has
        read the notice (shown with the form sent back, the values typed kept)."""
        self.conditions_shortfalls = case_shortfalls(self.ctx, self.task_data())
        if self.conditions_shortfalls and not self.conditions_acknowledged.data:
            self.conditions_acknowledged.errors.append(_l(
                "Read the notice above: tick this box to hand in the filing as it is, or correct the areas."))
            return False
        return True

    def _kinds_asking_for(self, name: str) -> list[str]:
        """The labels of the diagram's kinds of change that ask for the field `name`."""
        return [str(label) for code, label in self.change_type.choices or [] if name in fields_of_kind(code)]

    def kind_groups(self) -> list[tuple[str, tuple[str, ...]]]:
        """(heading, field names) of each group of new values, the heading naming the kinds it is for."""
        groups = []
        for names in VALUE_GROUPS:
            kinds = self._kinds_asking_for(names[0])
            heading = _l("For a change of %(kinds)s", kinds=str(_l(" or ")).join(f"“{k}”" for k in kinds)) if kinds \
                else ""
            groups.append((str(heading), names))
        return groups

    def _only_fields_of_the_kind(self) -> bool:
        """A value typed in a field the chosen kind does not ask for is refused, naming the kinds it is for."""
        ok, allowed = True, fields_of_kind(self.change_type.data)
        for name in VALUE_FIELDS:
            field = self._fields[name]
            if name in allowed or field.data in (None, "") or field.errors:
                continue
            kinds = self._kinds_asking_for(name)
            field.errors.append(_l("This is asked for only for a change of %(kinds)s: choose that kind of change, or "
                                   "clear this field.", kinds=str(_l(" or ")).join(f"“{k}”" for k in kinds)) if kinds
                                else _l("This kind of change does not ask for this: clear this field."))
            ok = False
        return ok

    def _changed_areas(self) -> bool:
        """Each area typed differs from the one on record (an unchanged one is left empty), and the public area
        stays within the total: the one typed, else the one on record."""
        from webapp.labels import as_number

        before, ok = getattr(self, "on_record", None) or {}, True
        for field, key in ((self.new_total_area_m2, "total_area_m2"), (self.new_public_area_m2, "public_area_m2")):
            if not field.errors and _same_number(field.data, before.get(key)):
                field.errors.append(_l("This is the area on record (%(value)s m²). Enter the area after the change, "
                                       "or leave this field empty if it does not change.",
                                       value=as_number(before[key])))
                ok = False
        total, public = self.new_total_area_m2.data, self.new_public_area_m2.data
        if public is None or self.new_public_area_m2.errors:
            return ok
        if total is not None:
            if public > total:
                self.new_public_area_m2.errors.append(_l("The public area cannot exceed the total area."))
                ok = False
        elif before.get("total_area_m2") not in (None, "") and public > Decimal(str(before["total_area_m2"])):
            self.new_public_area_m2.errors.append(_l(
                "The public area cannot exceed the total area on record (%(value)s m²). If the total area changes "
                "too, enter it as well.", value=as_number(before["total_area_m2"])))
            ok = False
        return ok

    def _not_the_current_operator(self) -> bool:
        current = getattr(getattr(self.ctx, "subject", None), "organisation", None)
        code, name = self.new_organisation_credit_code, self.new_organisation_name
        if current is None or self.change_type.data != "operator" or code.errors:
            return True
        if (code.data and code.data == current.credit_code) or (name.data and name.data == current.name):
            field = code if code.data and code.data == current.credit_code else name
            field.errors.append(_l("This is the space's current operating organisation. Enter the organisation "
                                   "that takes over."))
            return False
        return True

    def task_data(self) -> dict:
        asked = fields_of_kind(self.change_type.data)  # values of other kinds are not filed

        def value(name: str):
            data = self._fields[name].data if name in asked else None
            return _number(data) if name in AREA_FIELDS else (data or "")

        return {
            "change_type": self.change_type.data, "change_description": self.change_description.data,
            **{name: value(name) for name in VALUE_FIELDS},
            "new_organisation_id": None,  # the diagram's 登记新运营机构 (register_operator) names it
            "change_before": getattr(self, "on_record", None) or values_on_record(self.ctx.subject),
        }


def area_source_text(before: dict) -> str:
    """Where the area on record (values_on_record) came from, in words; "" when there is none."""
    from webapp.labels import local_date

    day = local_date(datetime.fromisoformat(before["area_at"])) if before.get("area_at") else ""
    source = before.get("area_source")
    if source == "report" and day:
        return str(_l("The area on record is from the half-year report handed in on %(day)s.", day=day))
    if source == "change" and day:
        return str(_l("The area on record is from the change filed on %(day)s.", day=day))
    if source == "application":
        return str(_l("The area on record is from the application the space was recognised on."))
    return ""


def values_on_record(space) -> dict:
    """What the registry holds of what a filing may change, when it is filed: the operator, and the area
    from the latest half-year report or accepted change of area, whichever is newer, else from the application
    the space was recognised on. (Address and business direction are on record nowhere.)"""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Application, ChangeFiling, Report

    if space is None or getattr(space, "__tablename__", "") != "maker_space":
        return {}
    before = {"organisation_name": space.organisation.name, "organisation_credit_code": space.organisation.credit_code or "",
              "total_area_m2": None, "public_area_m2": None, "area_source": "", "area_at": ""}
    report = db.session.scalars(select(Report).where(Report.space_id == space.id, Report.submitted_at.is_not(None))
                                .order_by(Report.submitted_at.desc(), Report.id.desc()).limit(1)).first()
    application = db.session.get(Application, space.application_id) if space.application_id else None
    if report is not None and (report.data or {}).get("total_area_m2") is not None:
        before.update(total_area_m2=report.data.get("total_area_m2"), public_area_m2=report.data.get("public_area_m2"),
                      area_source="report", area_at=report.submitted_at.isoformat())
    elif application is not None and (application.facts or {}).get("total_area_m2") is not None:
        before.update(total_area_m2=application.facts.get("total_area_m2"),
                      public_area_m2=application.facts.get("public_area_m2"), area_source="application")
    # A change of area filed after that report counts instead (its public area, where it gave one).
    filed = next((c for c in db.session.scalars(select(ChangeFiling).where(
        ChangeFiling.space_id == space.id, ChangeFiling.accepted.is_(True)).order_by(ChangeFiling.id.desc()))
        if (c.filed_values or {}).get("new_total_area_m2") is not None), None)
    if filed is not None and (report is None or filed.at >= report.submitted_at):
        values = filed.filed_values
        before.update(total_area_m2=values["new_total_area_m2"], area_source="change", area_at=filed.at.isoformat(),
                      public_area_m2=values.get("new_public_area_m2", before["public_area_m2"]))
    return before


# ---- what the reviewers read ------------------------------------------------------------------------------


def account_count(organisation) -> int:
    """The active accounts of an organisation the system knows (0 for one it does not)."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import User

    if organisation is None:
        return 0
    return db.session.scalar(select(func.count(User.id)).where(
        User.organisation_id == organisation.id, User.active.is_(True))) or 0


class ChangeReview:
    """What the steps after the request show beside their form: each new value beside the one on record
    when the change was filed, and, for a change of operator, whether the system knows the new organisation."""

    def prepare(self, ctx) -> None:
        super().prepare(ctx)
        data = ctx.data or {}
        before = data.get("change_before") if isinstance(data.get("change_before"), dict) else {}
        self.change_rows = change_rows(data)
        # where the area on record came from, shown only when the filing changes the area
        changes_area = data.get("new_total_area_m2") is not None or data.get("new_public_area_m2") is not None
        self.area_source = area_source_text(before) if changes_area else ""
        # the recognition conditions the areas filed fail: the notice the operator read before handing it in
        self.conditions_shortfalls = case_shortfalls(ctx, data)
        self.new_operator, self.new_operator_known_by = None, ""
        self.new_operator_accounts, self.new_operator_other_unit = 0, None
        if data.get("change_type") == "operator" and data.get("new_organisation_credit_code"):
            space = ctx.subject
            self.new_operator, self.new_operator_known_by = Organisation.known_as(
                data.get("new_organisation_name", ""), data["new_organisation_credit_code"],
                space.unit_id if space is not None else None)
            # Who will see the space's whole record once it is filed, and whether the organisation belongs to
            # another recommending unit: the Department decides knowing both (an outside probe moved a space to
            # another unit's organisation of the same name, its people then reading everything).
            self.new_operator_accounts = account_count(self.new_operator)
            if self.new_operator is not None and space is not None and self.new_operator.unit_id != space.unit_id:
                self.new_operator_other_unit = self.new_operator.unit


def _operator(name: str, code: str) -> str:
    if not name:
        return ""
    return str(_l("%(name)s (unified social credit code %(code)s)", name=name, code=code)) if code else \
        str(_l("%(name)s (no unified social credit code on record)", name=name))


def change_rows(data: dict) -> list[tuple[str, str, str]]:
    """(item, before, after) for each value the filing changes, in the order of the form."""
    from webapp.labels import as_number

    before = data.get("change_before") if isinstance(data.get("change_before"), dict) else {}
    unknown = str(_l("Not on record"))

    def shown(value) -> str:
        return as_number(value) if value not in (None, "") else unknown

    rows = []
    if data.get("new_organisation_name"):
        rows.append((str(_l("Operating organisation")),
                     _operator(before.get("organisation_name", ""), before.get("organisation_credit_code", "")) or unknown,
                     _operator(data["new_organisation_name"], data.get("new_organisation_credit_code", ""))))
    if data.get("new_total_area_m2") is not None:
        rows.append((str(_l("Total area of the premises (m²)")), shown(before.get("total_area_m2")),
                     as_number(data["new_total_area_m2"])))
    if data.get("new_public_area_m2") is not None:
        rows.append((str(_l("Public service area of the premises (m²)")), shown(before.get("public_area_m2")),
                     as_number(data["new_public_area_m2"])))
    if data.get("new_address"):
        rows.append((str(_l("Address of the premises")), unknown, data["new_address"]))
    if data.get("new_direction"):
        rows.append((str(_l("Business direction")), unknown, data["new_direction"]))
    return rows


@register("lifecycle.change_forward")
class ChangeForwardForm(ChangeReview, TaskForm):
    forward_decision = RadioField(_l("Decision"), choices=[("forward", _l("Forward to the Department")),
                                                          ("return", _l("Return to the operator"))],
                                  validators=[InputRequired(_l("Please choose one."))])
    forward_comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)  # a return tells the operator what to change: never blank
        return reasons_unless(self, self.forward_decision, "forward", self.forward_comments) and ok


@register("lifecycle.change_accept")
class ChangeAcceptForm(ChangeReview, TaskForm):
    change_accepted = yes_no_field(_l("The change is filed"))
    change_comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)  # a change not filed is told why
        return reasons_unless(self, self.change_accepted, "yes", self.change_comments) and ok

    def task_data(self) -> dict:
        # A change of operator: the diagram's steps register the organisation of the code filed if the system
        # does not know it (登记新运营机构) and move the space to it (变更运营机构).
        return {"change_accepted": as_bool(self.change_accepted.data), "change_comments": self.change_comments.data or ""}


__all__ = ["ChangeAcceptForm", "ChangeForwardForm", "ChangeRequestForm"]
