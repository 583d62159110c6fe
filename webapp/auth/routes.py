import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.extensions import db
from webapp.views import local_path

from . import service
from .forms import ChangePasswordForm, LoginForm
from .sessions import sign_in, sign_out

bp = Blueprint("auth", __name__)


def _locked(template: str, form, wait_seconds: int):
    """The throttle's refusal: how long to wait, in minutes, and nothing about whether the account exists."""
    flash(_("Too many failed log-in attempts. For the account's safety, please try again in about "
            "%(minutes)d minutes.", minutes=max(1, math.ceil(wait_seconds / 60))), "error")
    return render_template(template, form=form), 429, {"Retry-After": str(wait_seconds)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        attempt = service.log_in(form.username.data, form.password.data)
        if attempt.user is not None:
            sign_in(attempt.user)
            db.session.commit()
            return redirect(local_path(request.args.get("next"), url_for("inbox.index")))
        if attempt.wait_seconds:
            return _locked("auth/login.html", form, attempt.wait_seconds)
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sign_out()
    db.session.commit()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        result = service.change_password(user, form.current_password.data, form.new_password.data)
        if result.wait_seconds:
            return _locked("auth/password.html", form, result.wait_seconds)
        if result.wrong_current:
            form.current_password.errors.append(_("The current password is not correct."))
        elif result.unchanged:
            form.new_password.errors.append(_("The new password must differ from the current one."))
        else:
            sign_in(user)  # this browser goes on, in a new session; every other one was ended
            db.session.commit()
            flash(_("Your password was changed. Every other browser signed in to your account has been "
                    "logged out."), "success")
            return redirect(url_for("inbox.index"))
    return render_template("auth/password.html", form=form)
