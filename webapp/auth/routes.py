from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp.extensions import db
from webapp.models import User
from webapp.views import local_path

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            return redirect(local_path(request.args.get("next"), url_for("inbox.index")))
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
