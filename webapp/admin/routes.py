"""Definitions and (in demo mode) the application clock."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import DateField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from forms.fields import WholeNumberField, within_calendar
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import AppSetting, DefinitionBundle, Holiday
from webapp.notices.holidays import enter_day
from webapp.views import require, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


class ClockForm(FlaskForm):
    days = WholeNumberField(_l("Move the clock forward by (days)"), validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=1, max=3650, message=_l("Enter a whole number from %(min)s to %(max)s."))])


@bp.route("/definitions")
@role_required("designer", "supervisor", "torch_center")
def definitions():
    bundles = db.session.scalars(select(DefinitionBundle).order_by(DefinitionBundle.version.desc())).all()
    return render_template("admin/definitions.html", bundles=bundles)


# Who may move the demo clock. Supervisors only read the time: they change nothing, here as anywhere.
CLOCK_MOVERS = ("torch_center", "designer")


@bp.route("/clock", methods=["GET", "POST"])
@role_required("torch_center", "supervisor", "designer")
def clock_view():
    may_move = current_user.role in CLOCK_MOVERS
    require(request.method == "GET" or may_move)  # before the demo check: a supervisor's POST is 403 anywhere
    if not current_app.config["DEMO_MODE"]:
        abort(404)
    if not may_move:
        return render_template("admin/clock.html", form=None, now=clock.now())
    form = ClockForm()
    if form.validate_on_submit():
        setting = db.session.get(AppSetting, "clock_offset_seconds") or AppSetting(key="clock_offset_seconds", value="0")
        offset = timedelta(seconds=float(setting.value)) + timedelta(days=form.days.data)
        setting.value = str(offset.total_seconds())
        db.session.add(setting)
        clock.set_offset(offset)
        from tasks.sweep import sweep_once

        db.session.commit()
        fired = sweep_once()
        # Each count in words of its own number: "1 day", "1 case" (it said "1 days; 1 cases" in English).
        cases = ngettext("%(num)s case had due timers", "%(num)s cases had due timers", fired)
        flash(ngettext("The clock moved forward %(num)s day; %(cases)s.", "The clock moved forward %(num)s days; "
                       "%(cases)s.", form.days.data, cases=cases), "success")
        return redirect(url_for("admin.clock_view"))
    return render_template("admin/clock.html", form=form, now=clock.now())


class HolidayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please fill in this field.")), within_calendar])
    is_workday = RadioField(_l("This day is"), choices=[("no", _l("a public holiday")), ("yes", _l("a make-up working day"))],
                            validators=[InputRequired(_l("Please choose one."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=60)])


@bp.route("/holidays", methods=["GET", "POST"])
@role_required("torch_center")
def holidays():
    """Years past the holiday package's data: staff enter the State Council's calendar by hand."""
    form = HolidayForm()
    if form.validate_on_submit():
        # Running notices are counted again with the day, their cases' timers moved, in this one transaction.
        try:
            moved = enter_day(form.day.data, is_workday=form.is_workday.data == "yes", name=form.name.data,
                              actor=current_user)
            db.session.commit()
        except StaleDataError:  # a case it moves was saved meanwhile (a step, the sweeper): nothing is saved
            db.session.rollback()
            flash(_("A case whose public notice this day moves was changed by someone else at the same moment, so "
                    "nothing was saved. Please save the day again."), "error")
            days = db.session.scalars(select(Holiday).order_by(Holiday.day)).all()
            return render_template("admin/holidays.html", form=form, days=days), 409
        if moved:
            flash(_("Saved. The running public notices were counted again with this day: the end date of %(n)s of "
                    "them moved, and their cases now wait for the new end.", n=moved), "success")
        else:
            flash(_("Saved. The running public notices were counted again with this day: no end date moved."),
                  "success")
        return redirect(url_for("admin.holidays"))
    days = db.session.scalars(select(Holiday).order_by(Holiday.day)).all()
    return render_template("admin/holidays.html", form=form, days=days)
