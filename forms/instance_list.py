"""The filters of the instance list (GET parameters, so a filter is a link) and the form that saves one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .fields import MAX_ID, within_calendar
from .text import single_line

STATUSES = (("running", _l("running")), ("completed", _l("completed")), ("cancelled", _l("cancelled")))
SORTS = (("created", _l("Created")), ("updated", _l("Last changed")))
ORDERS = (("desc", _l("newest first")), ("asc", _l("oldest first")))
# The parameters that make up a filter (what a saved filter keeps); cursors and the language are not part.
FILTER_PARAMS = ("name", "procedure", "version", "step", "status", "unit", "round", "created_from", "created_to",
                 "overdue", "sort", "order")


def _optional_int(value) -> int | None:
    """A select's value as an id; anything else counts as "no choice" (the form then reports it)."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1  # never an id: the field's own check refuses it with a message
    return number if -MAX_ID <= number <= MAX_ID else -1  # beyond what the database compares with


class InstanceFilterForm(FlaskForm):
    """Read from request.args (the procedure field is not called `process`: that is a method of every form). The choices come from the caller (what exists, what the viewer may pick).

    Unit and round take any id without checking it against the choices: an id the viewer may not see
    simply finds nothing, exactly as a guessed case id does, rather than telling that the unit exists."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    name = StringField(_l("Space or organisation name"), validators=[Optional(), Length(max=100)])
    procedure = SelectField(_l("Procedure"), choices=[], validate_choice=True, default="")
    version = SelectField(_l("Version"), choices=[], coerce=_optional_int, default=None)
    step = StringField(_l("Current step"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=[("", _l("any"))] + list(STATUSES), default="")
    unit = SelectField(_l("Recommending unit"), choices=[], coerce=_optional_int, validate_choice=False, default=None)
    round = SelectField(_l("Application round"), choices=[], coerce=_optional_int, validate_choice=False,
                        default=None)
    created_from = DateField(_l("Created from"), validators=[Optional(), within_calendar])
    created_to = DateField(_l("Created until (inclusive)"), validators=[Optional(), within_calendar])
    overdue = BooleanField(_l("Only cases with overdue work"))
    sort = SelectField(_l("Sort by"), choices=list(SORTS), default="created")
    order = SelectField(_l("Order"), choices=list(ORDERS), default="desc")

    def __init__(self, formdata, *, processes: list[tuple[str, str]], versions: list[int],
                 units: list[tuple[int, str]], rounds: list[tuple[int, str]]):
        super().__init__(formdata)
        anything = [("", _l("any"))]
        self.procedure.choices = anything + processes
        # "Any" is the empty value, as a browser sends it back: None would be written out as "None".
        self.version.choices = anything + [(v, f"v{v}") for v in versions]
        self.unit.choices = anything + units
        self.round.choices = anything + rounds

    def validate_unit(self, field) -> None:
        if field.data == -1:
            raise ValidationError(_l("Please choose one."))

    validate_round = validate_unit

    def validate_created_to(self, field) -> None:
        if field.data and self.created_from.data and field.data < self.created_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))


MAX_FILTER_NAME = 80  # as the saved_filter.name column holds


class SaveFilterForm(FlaskForm):
    """The route says what is wrong with the name in its own words (a name too long was asked to be given)."""

    name = StringField(_l("Name of the filter"), filters=[single_line], validators=[
        DataRequired(_l("Please give the filter a name.")),
        Length(max=MAX_FILTER_NAME, message=_l("The name of a filter can have at most %(max)s characters; please "
                                               "shorten it and save again.", max=MAX_FILTER_NAME))])
    query = StringField(validators=[Length(max=1000)])  # hidden: the filter being saved


class DeleteFilterForm(FlaskForm):
    """Removing a saved filter asks first: the box must be ticked on the page that names the filter."""

    confirm = BooleanField(_l("Yes, remove this saved filter"),
                           validators=[DataRequired(_l("Please tick the box to confirm before removing."))])
