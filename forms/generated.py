"""Forms generated from fields declared in the diagram, for steps that have no dedicated form class.

A user task may declare its fields as properties — `field.<name>` = `<type>|<label>[|<choices>]`:
    <spiffworkflow:property name="field.compliant" value="yesno|材料是否合规" />
    <spiffworkflow:property name="field.conclusion" value="choice|结论|pass=通过;fail=不通过" />
Types: yesno (→ bool), choice (→ the chosen key), integer, number, text, textarea (text fields are
optional, the others required), textarea_required. The values land in task data under their names, so a designer's new
step can feed a gateway without any Python change.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .declared import parse_choices
from .fields import YES_NO, NumberField, WholeNumberField
from .text import single_line

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
REQUIRED = InputRequired(_l("Please fill in this field."))


def declared_fields(properties: dict) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(
        (key.removeprefix("field."), value) for key, value in properties.items()
        if key.startswith("field.") and _NAME.match(key.removeprefix("field."))
    ))


def choice_options(spec: str) -> list[tuple[str, str]]:
    """(value, label) of a declared field's choices: "choice|备案类别|national=国家众创空间;not_filed=未获备案"."""
    return parse_choices(spec.split("|", 2)[2] if spec.count("|") >= 2 else "")


def _field(spec: str):
    kind, _, rest = spec.partition("|")
    label = rest.partition("|")[0] or kind
    if kind == "yesno":
        return RadioField(label, choices=YES_NO, validators=[REQUIRED]), lambda v: v == "yes"
    if kind == "choice":
        return RadioField(label, choices=choice_options(spec), validators=[REQUIRED]), lambda v: v
    if kind == "integer":
        return WholeNumberField(label, validators=[REQUIRED]), int
    if kind == "number":
        return NumberField(label, validators=[REQUIRED]), float
    if kind == "textarea":
        return TextAreaField(label, validators=[Optional(), Length(max=4000)]), lambda v: v or ""
    if kind == "textarea_required":
        return TextAreaField(label, validators=[REQUIRED, Length(max=4000)]), lambda v: v or ""
    return StringField(label, filters=[single_line], validators=[Optional(), Length(max=500)]), lambda v: v or ""


@lru_cache(maxsize=64)
def declared_form_class(fields: tuple[tuple[str, str], ...]):
    """A form of exactly the declared fields, for starting a case or sending it a message from a page
    (the violation report starts violation_case; leaving the system is the lifecycle's leave_system)."""
    from flask_wtf import FlaskForm

    attributes, converters, labels = {}, {}, {}
    for name, spec in fields:
        attributes[name], converters[name] = _field(spec)
        if spec.startswith("choice|"):
            labels[name] = dict(choice_options(spec))

    def task_data(self) -> dict:
        data = {name: convert(getattr(self, name).data) for name, convert in converters.items()}
        data.update({f"{name}_label": options.get(data[name], "") for name, options in labels.items()})
        return data

    attributes["task_data"] = task_data
    attributes["declared"] = bool(fields)
    return type("DeclaredEventForm", (FlaskForm,), attributes)


@lru_cache(maxsize=256)
def generated_form_class(fields: tuple[tuple[str, str], ...]):
    from . import GenericTaskForm

    attributes, converters = {}, {}
    for name, spec in fields:
        attributes[name], converters[name] = _field(spec)

    def task_data(self) -> dict:
        data = {name: convert(getattr(self, name).data) for name, convert in converters.items()}
        data["comment"] = self.comment.data or ""
        return data

    attributes["task_data"] = task_data
    return type("GeneratedTaskForm", (GenericTaskForm,), attributes)
