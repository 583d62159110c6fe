"""Field helpers shared by the task forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, RadioField, SelectMultipleField, widgets
from wtforms.validators import InputRequired, NumberRange

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def count_field(label, maximum: int = 100000) -> IntegerField:
    return IntegerField(label, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=0, max=maximum, message=_l("Enter a whole number from %(min)s to %(max)s.")),
    ])


def amount_field(label, maximum: float = 1e7, minimum: float = 0) -> DecimalField:
    return DecimalField(label, places=2, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=minimum, max=maximum, message=_l("Enter a number from %(min)s to %(max)s.")),
    ])


def yes_no_field(label) -> RadioField:
    return RadioField(label, choices=YES_NO, validators=[InputRequired(_l("Please choose one."))])


def as_bool(value: str | None) -> bool:
    return value == "yes"


def as_number(value) -> float:
    return float(value) if value is not None else 0.0
