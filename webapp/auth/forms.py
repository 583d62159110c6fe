"""The log-in and password forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

PASSWORD_MAX_LENGTH = 128  # ASVS 2.1.2: 64 and more allowed, over 128 refused; bounds the work one request asks for


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please fill in this field.")),
                                                         Length(max=PASSWORD_MAX_LENGTH)])


def long_enough(form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len((field.data or "").strip()) < minimum:  # twelve spaces are no password
        raise ValidationError(_("The new password needs at least %(count)d characters.", count=minimum))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Please fill in this field.")), Length(max=PASSWORD_MAX_LENGTH)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Please fill in this field.")), long_enough,
        Length(max=PASSWORD_MAX_LENGTH, message=_l("The new password is too long."))])
    confirm_password = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Please fill in this field.")),
        EqualTo("new_password", message=_l("The two new passwords are not the same."))])
