"""A case's audit trail as people read it: who (name and role), when, which step, and what data changed —
with the labels of the step's form and old → new — instead of the stored JSON.

Labels come from the form the diagram names for the step (forms/, by form key, with the `field.*` and
`choices.*` the diagram declares), in the version the case runs on; so a designer's new step reads as well as
the built-in ones. Values: yes/no as 是/否, choices as their labels, people and organisations by name,
score sheets summarised. Data without a label (engine bookkeeping, ids) is left out of the main text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.core import UnboundField

from webapp.clock import CHINA
from webapp.engine.definitions import parsed_bundle
from webapp.extensions import db
from webapp.labels import as_number
from webapp.models import AuditEvent, Organisation, ProcessInstance, User

ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Fields whose values are database ids chosen from a list built at run time (the form's choices are not in the
# class): shown by the name of what they point at.
ID_FIELDS = {"panel_experts": User, "new_organisation_id": Organisation}
# Parts of a score an expert submits (forms/recognition.py ExpertScoreForm, forms/lifecycle.py SheetScoreForm).
SCORE_PARTS = ("base", "bonus", "total")


@dataclass(frozen=True)
class FieldInfo:
    label: str
    choices: dict = field(default_factory=dict)


@dataclass
class Change:
    label: str
    old: str | None  # None: nothing was recorded for it before in this case
    new: str

    @property
    def changed(self) -> bool:
        return self.old is None or self.old != self.new


@dataclass
class AuditRow:
    at: datetime
    who: str
    role: str
    action: str
    step: str
    changes: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def _unbound_fields(form_class) -> dict[str, UnboundField]:
    found: dict[str, UnboundField] = {}
    for klass in reversed(form_class.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                found[name] = value
    return found


def _label_of(unbound: UnboundField) -> str:
    label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else "")
    return str(label) if label else ""


def form_fields(properties: dict) -> dict[str, FieldInfo]:
    """Labels and choice labels of the form a step shows, by field name."""
    from forms import form_class_for

    form_class = form_class_for(properties.get("formKey", ""), properties)
    declared = dict(getattr(form_class, "declared_choices", {}) or {})
    fields: dict[str, FieldInfo] = {}
    for name, unbound in _unbound_fields(form_class).items():
        if name == "csrf_token":
            continue
        choices = {str(code): str(label) for code, label in (unbound.kwargs.get("choices") or [])}
        choices.update({str(code): str(label) for code, label in declared.get(name, ())})
        fields[name] = FieldInfo(_label_of(unbound), choices)
    return fields


@dataclass
class CaseLabels:
    """Per step: its name and form fields; for the whole case: every label any step's form gives a field
    (for data that arrives without a form: the start data, a message's payload)."""

    steps: dict[str, str] = field(default_factory=dict)
    forms: dict[str, dict[str, FieldInfo]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)  # message name -> the catching event's name
    anywhere: dict[str, FieldInfo] = field(default_factory=dict)
    multi_instance: set[str] = field(default_factory=set)


def _all_specs(bundle, process_id: str):
    spec, subprocess_specs = parsed_bundle(bundle).specs[process_id]
    yield from spec.task_specs.values()
    for sub in (subprocess_specs or {}).values():
        yield from sub.task_specs.values()


def case_labels(instance: ProcessInstance) -> CaseLabels:
    from webapp.engine.runtime import task_properties

    labels = CaseLabels()
    try:
        specs = list(_all_specs(instance.bundle, instance.process_id))
    except KeyError:  # the version no longer defines the process: the names stored with the events remain
        return labels
    for spec in specs:
        element = getattr(spec, "bpmn_id", None)
        if not element:
            continue
        if spec.bpmn_name:
            labels.steps.setdefault(element, spec.bpmn_name)
        if "MultiInstance" in type(spec).__name__:
            labels.multi_instance.add(element)
        definition = getattr(spec, "event_definition", None)
        if getattr(definition, "name", None) and spec.bpmn_name:
            labels.messages.setdefault(definition.name, spec.bpmn_name)
        properties = task_properties(spec)
        if not (properties.get("formKey") or any(k.startswith("field.") for k in properties)) and not spec.manual:
            continue
        fields = form_fields(properties)
        labels.forms[element] = fields
        for name, info in fields.items():
            labels.anywhere.setdefault(name, info)
    return labels


class Formatter:
    """Values as people read them."""

    def __init__(self) -> None:
        self._names: dict[tuple[type, int], str] = {}

    def _name(self, model, ident) -> str:
        try:
            key = (model, int(ident))
        except (TypeError, ValueError):
            return str(ident)
        if key not in self._names:
            row = db.session.get(model, key[1])
            self._names[key] = getattr(row, "display_name", None) or getattr(row, "name", None) or "—"
        return self._names[key]

    def value(self, name: str, value, info: FieldInfo | None, data: dict) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if name in ID_FIELDS:
            values = value if isinstance(value, list) else [value]
            return "、".join(self._name(ID_FIELDS[name], v) for v in values if v not in (0, "0")) or "—"
        if isinstance(data.get(f"{name}_label"), str) and data[f"{name}_label"]:
            return data[f"{name}_label"]  # the chosen option's label, stored beside its code (forms/declared.py)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, list):
            return "、".join(self.value(name, v, info, {}) for v in value)
        if isinstance(value, dict):
            return self.summary(value)
        if info is not None and str(value) in info.choices:
            return info.choices[str(value)]
        if isinstance(value, int | float):
            return as_number(value)
        if isinstance(value, str) and ISO_INSTANT.match(value):
            try:
                return datetime.fromisoformat(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                return value
        return str(value)

    def summary(self, value: dict) -> str:
        """An expert's score: its parts and comments, with the number of sheet items scored."""
        parts = {"base": _("Base score"), "bonus": _("Bonus"), "total": _("Total")}
        text = [f"{parts[key]} {as_number(value[key])}" for key in SCORE_PARTS if value.get(key) is not None]
        if isinstance(value.get("items"), dict) and value["items"]:
            text.append(ngettext("%(n)s item scored", "%(n)s items scored", len(value["items"]), n=len(value["items"])))
        if value.get("comments"):
            text.append(f"{_('Comments')}：{value['comments']}")
        return "；".join(text) or "—"


def _label_for(name: str, step_fields: dict[str, FieldInfo], labels: CaseLabels) -> FieldInfo | None:
    if name in step_fields:
        return step_fields[name]
    if name == "expert_score":
        return FieldInfo(_("Expert's score"))
    return labels.anywhere.get(name)


def _data_of(event: AuditEvent) -> dict:
    detail = event.detail or {}
    data = detail.get("data", detail.get("payload"))
    return data if isinstance(data, dict) else {}


def readable_trail(instance: ProcessInstance, people: bool = True) -> list[AuditRow]:
    """`people=False` for designers: they follow how a diagram behaves, so they read roles instead of
    names and which fields were filled in, not what people wrote."""
    events = db.session.scalars(
        select(AuditEvent).options(selectinload(AuditEvent.actor))
        .where(AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)
    ).all()
    labels = case_labels(instance)
    formatter = Formatter()
    # What was last recorded for each field: by anyone, or — at a step done by several people side by side
    # (an expert panel) — by the same person, so one expert's score is never shown as another's "old" value.
    last_seen: dict[tuple, str] = {}
    rows = []
    for event in events:
        step_fields = labels.forms.get(event.task_spec or "", {})
        data = _data_of(event)
        role = _(event.actor.role) if event.actor else ""
        row = AuditRow(at=event.at, who=_who(event) if people else role, role=role,
                       action=_(event.action), step=_step(event, instance, labels))
        per_person = (event.task_spec or "") in labels.multi_instance
        for name, value in data.items():
            if name.endswith("_label") and name.removesuffix("_label") in data:
                continue
            info = _label_for(name, step_fields, labels)
            if info is None or not info.label:
                continue  # engine bookkeeping and ids: not for the main text
            shown = formatter.value(name, value, info, data) if people else _("(filled in)")
            key = (name, event.task_spec, event.actor_id) if per_person else (name,)
            if key not in last_seen and shown == "—":
                continue  # left empty the first time: nothing to read
            change = Change(info.label, last_seen.get(key), shown)
            (row.changes if change.changed else row.unchanged).append(change)
            last_seen[key] = shown
        row.notes = _notes(event)
        rows.append(row)
    return rows


def _who(event: AuditEvent) -> str:
    from flask import current_app

    return current_app.jinja_env.globals["actor_label"](event.actor)


def _step(event: AuditEvent, instance: ProcessInstance, labels: CaseLabels) -> str:
    if event.action == "message":
        return labels.messages.get(event.title, event.title)
    if event.action == "started":
        return instance.process_name
    if event.task_spec and event.task_spec in labels.steps:
        return event.title or labels.steps[event.task_spec]
    return event.title or ""


def _notes(event: AuditEvent) -> list[tuple[str, str]]:
    """Plain sentences kept in an event's detail beside its data (a reason, a comment)."""
    detail = event.detail or {}
    words = {"reason": _("Reason"), "comment": _("Comment"), "note": _("Note")}
    return [(label, str(detail[key])) for key, label in words.items() if isinstance(detail.get(key), str) and detail[key]]
