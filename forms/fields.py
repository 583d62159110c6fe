"""Field helpers shared by the task forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, RadioField, SelectMultipleField, widgets
from wtforms.validators import InputRequired, NumberRange, ValidationError

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # WTForms' message for a value outside the choices quotes the raw values (database ids here), and
        # WTForms' zh catalog leaves it untranslated (fuzzy in 3.2): say it in the app's words.
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(_l("Some of the ticked options cannot be chosen here; please choose again.")) from None


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
