"""WTForms classes for user tasks, found by the form key a diagram names.

A diagram's user task says `formKey = "recognition.recommend"`; the class registered under that key
renders and validates the task. An unknown key falls back to GenericTaskForm, so a designer can add a
step to a diagram without any Python change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

_FORMS: dict[str, type[TaskForm]] = {}


@dataclass
class FormContext:
    """What a form may know about the case it is shown in."""

    user: Any
    data: dict = field(default_factory=dict)  # the task's workflow data
    subject: Any = None  # Application or MakerSpace
    properties: dict = field(default_factory=dict)  # the task's properties in the diagram
    extra: dict = field(default_factory=dict)

    @property
    def shown(self) -> list[tuple[str, Any]]:
        """What the diagram asks this step to show: properties `show.<variable>` = label, for variables
        that have a value (e.g. a reviewer's comments on the step that answers them)."""
        items = []
        for key, label in sorted(self.properties.items()):
            name = key.removeprefix("show.")
            if key.startswith("show.") and self.data.get(name) not in (None, "", [], {}):
                value = self.data[name]
                items.append((label, "、".join(map(str, value)) if isinstance(value, list) else value))
        return items


class TaskForm(FlaskForm):
    """Base of every task form: its fields become task data under their own names."""

    template = "tasks/form_generic.html"
    handles_files = False

    def prepare(self, ctx: FormContext) -> None:
        """Set dynamic choices and remember the context before validation/rendering."""
        self.ctx = ctx

    def task_data(self) -> dict:
        return {
            name: f.data
            for name, f in self._fields.items()
            if name != "csrf_token" and f.type not in ("FileField", "MultipleFileField", "SubmitField")
        }

    @classmethod
    def initial(cls, data: dict) -> dict:
        """Values to show when the task opens (e.g. an application being revised)."""
        return {}


def register(key: str):
    def decorator(cls: type[TaskForm]) -> type[TaskForm]:
        _FORMS[key] = cls
        return cls

    return decorator


def form_class_for(key: str, properties: dict | None = None) -> type[TaskForm]:
    """The registered class for the key; else a form of the fields the diagram declares; else generic."""
    _load()
    if key in _FORMS:
        return _FORMS[key]
    from .generated import declared_fields, generated_form_class

    fields = declared_fields(properties or {})
    return generated_form_class(fields) if fields else GenericTaskForm


def known_keys() -> list[str]:
    _load()
    return sorted(_FORMS)


class GenericTaskForm(TaskForm):
    """For steps a designer added to a diagram without a dedicated form: a comment and a confirmation."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])

    def task_data(self) -> dict:
        return {"comment": self.comment.data or ""}


def _load() -> None:
    from . import lifecycle, recognition  # noqa: F401  (registration on import)
