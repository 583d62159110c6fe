"""What a diagram declares beside a task's form: the materials it asks for and the choices it offers.

- `attachment.<kind>` = `required|<label>` or `optional|<label>`: a file field per kind, e.g. the Art. 7
  attachments on 填写并提交申报书, the evidence of a change filing, the self-assessment materials.
- `choices.<field>` = `code=label;code=label`: the options of a choice field of the task's form, e.g. the
  Art. 9 designations or the kinds of change (R15). The chosen option's label is stored beside its code
  (`<field>_label`), so what people read never shows a code.

So the regulation's lists live with the rules: a designer changes them in the diagram, not in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms.validators import Optional

from .fields import CASE_FILE
from .uploads import check_upload

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass(frozen=True)
class AttachmentSpec:
    kind: str
    label: str
    required: bool

    @property
    def field_name(self) -> str:
        return f"file_{self.kind}"


def declared_attachments(properties: dict) -> tuple[AttachmentSpec, ...]:
    """In the order the diagram lists them."""
    specs = []
    for key, value in properties.items():
        kind = key.removeprefix("attachment.")
        if not key.startswith("attachment.") or not _NAME.match(kind):
            continue
        need, _, label = str(value).partition("|")
        specs.append(AttachmentSpec(kind, label or kind, need.strip() == "required"))
    return tuple(specs)


def parse_choices(text: str) -> list[tuple[str, str]]:
    return [tuple(part.split("=", 1)) for part in str(text).split(";") if "=" in part]


def declared_choices(properties: dict) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    return tuple(sorted(
        (key.removeprefix("choices."), tuple(parse_choices(value)))
        for key, value in properties.items() if key.startswith("choices.")
    ))


@lru_cache(maxsize=256)
def with_declarations(form_class, attachments: tuple[AttachmentSpec, ...], choices: tuple):
    """The task's form class with the diagram's file fields and choices added."""
    # A required material says so from the start (it said 此项材料为必交材料 only once a submission failed).
    attributes = {spec.field_name: FileField(_l("%(label)s (required)", label=spec.label) if spec.required
                                             else spec.label,
                                             validators=[Optional(), check_upload], render_kw=CASE_FILE)
                  for spec in attachments}
    attributes["declared_attachments"] = attachments
    attributes["declared_choices"] = dict(choices)
    return type(form_class.__name__, (DeclaredMixin, form_class), attributes)


class DeclaredMixin:
    """Behaviour of the declared parts: choices set before validation, required files checked against
    what the case already holds, uploads handed over with their labels, choice labels stored."""

    declared_attachments: tuple[AttachmentSpec, ...] = ()
    declared_choices: dict = {}

    @property
    def handles_files(self) -> bool:
        return bool(self.declared_attachments)

    def prepare(self, ctx) -> None:
        super().prepare(ctx)
        for name, options in self.declared_choices.items():
            if name in self._fields:
                self._fields[name].choices = list(options)
        self._present = {a.kind for a in ctx.extra.get("attachments", [])}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for spec in self.declared_attachments:
            field = self._fields[spec.field_name]
            if spec.required and spec.kind not in self._present and not getattr(field.data, "filename", ""):
                field.errors.append(_l("This material is required."))
                ok = False
        return ok

    def uploads(self) -> list[tuple[AttachmentSpec, object]]:
        return [(spec, self._fields[spec.field_name].data) for spec in self.declared_attachments
                if getattr(self._fields[spec.field_name].data, "filename", "")]

    def task_data(self) -> dict:
        data = super().task_data()
        for name, options in self.declared_choices.items():
            if name in data:
                data[f"{name}_label"] = dict(options).get(data[name], "")
        for spec in self.declared_attachments:
            data.pop(spec.field_name, None)
        return data
