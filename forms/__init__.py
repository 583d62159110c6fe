"""WTForms classes for user tasks, found by the form key a diagram names.

A diagram's user task says `formKey = "recognition.recommend"`; the class registered under that key
renders and validates the task. An unknown key falls back to GenericTaskForm, so a designer can add a
step to a diagram without any Python change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from .text import MultiLineTextMeta

_FORMS: dict[str, type[TaskForm]] = {}


@dataclass
class FormContext:
    """What a form may know about the case it is shown in."""

    user: Any
    data: dict = field(default_factory=dict)  # the task's workflow data
    properties: dict = field(default_factory=dict)  # the task's properties in the diagram
    extra: dict = field(default_factory=dict)
    # Reads the case's business record when a form first asks for it (a completion whose form needs none
    # reads nothing).
    read_subject: Callable[[], Any] | None = None

    @cached_property
    def subject(self) -> Any:
        """The case's Application or MakerSpace (None without one)."""
        return self.read_subject() if self.read_subject is not None else None

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
    Meta = MultiLineTextMeta  # every text area drops invisible format characters (forms/text.py)

    def prepare(self, ctx: FormContext) -> None:
        """Set dynamic choices and remember the context before validation/rendering."""
        self.ctx = ctx

    def task_data(self) -> dict:
        return {
            name: f.data
            for name, f in self._fields.items()
            if name != "csrf_token" and f.type not in ("FileField", "MultipleFileField", "SubmitField")
        }

    # Decisions are not pre-filled: a reviewer who sees a case again decides again.
    prefill_decisions = False

    @classmethod
    def initial(cls, data: dict) -> dict:
        """Values to show when the task opens: what was submitted at this step before (a returned change
        filing, a revised application), so nothing typed is lost."""
        from wtforms import RadioField

        values = {}
        unbound_fields = {name: f for klass in reversed(cls.__mro__) for name, f in vars(klass).items()}
        for name, unbound in unbound_fields.items():
            field_class = getattr(unbound, "field_class", None)
            if field_class is None or name not in data or data[name] is None:
                continue
            if issubclass(field_class, RadioField) and not cls.prefill_decisions:
                continue
            values[name] = data[name]
        return values


def register(key: str):
    def decorator(cls: type[TaskForm]) -> type[TaskForm]:
        _FORMS[key] = cls
        return cls

    return decorator


def form_class_for(key: str, properties: dict | None = None) -> type[TaskForm]:
    """The registered class for the key; else a form of the fields the diagram declares; else generic —
    with the materials and choices the diagram declares for the task added (forms/declared.py)."""
    _load()
    from .declared import declared_attachments, declared_choices, with_declarations
    from .generated import declared_fields, generated_form_class

    properties = properties or {}
    if key in _FORMS:
        form_class = _FORMS[key]
    else:
        fields = declared_fields(properties)
        form_class = generated_form_class(fields) if fields else GenericTaskForm
    attachments, choices = declared_attachments(properties), declared_choices(properties)
    return with_declarations(form_class, attachments, choices) if attachments or choices else form_class


def known_keys() -> list[str]:
    _load()
    return sorted(_FORMS)


class GenericTaskForm(TaskForm):
    """For steps a designer added to a diagram without a dedicated form: a comment and a confirmation."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])

    def task_data(self) -> dict:
        return {"comment": self.comment.data or ""}


def _load() -> None:
    from . import change_filing, lifecycle, recognition  # noqa: F401  (registration on import)
