"""The objection form (Art. 8, Art. 19.2): a real name and contact, reasons and evidence; anonymous ones
are not accepted (evaluation-defaults.md)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class ObjectionForm(FlaskForm):
    objector_kind = RadioField(_l("The objector is"), choices=[("individual", _l("an individual (real name)")), ("unit", _l("a unit (with its stamp)"))], validators=[InputRequired(_l("Please choose one."))])
    objector = StringField(_l("Name of the person or unit"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=120)])
    contact = StringField(_l("Contact details"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=200)])
    reasons = TextAreaField(_l("Reasons and evidence"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])
