"""Application rounds: the Department (approver) opens and closes them; Torch Center and supervisors read them."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from forms.fields import MultiCheckboxField, within_calendar
from webapp.access import ROUND_MANAGERS, ROUND_READERS
from webapp.extensions import db
from webapp.models import Application, ApplicationRound, Unit
from webapp.views import get_or_404, role_required

from . import service

bp = Blueprint("rounds", __name__)

STATUS_LABELS = {"planned": _l("Not yet open"), "open": _l("Open for applications"), "closed": _l("Closed")}


class RoundForm(FlaskForm):
    title = StringField(_l("Title of the round"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=120)])
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Please fill in this field.")),
                                                 NumberRange(min=2000, max=2100, message=_l("Enter a whole number from %(min)s to %(max)s."))])
    batch = IntegerField(_l("Batch number"), validators=[InputRequired(_l("Please fill in this field.")),
                                                         NumberRange(min=1, max=99, message=_l("Enter a whole number from %(min)s to %(max)s."))])
    opens_on = DateField(_l("Applications accepted from (date)"), validators=[InputRequired(_l("Please fill in this field.")),
                                                                              within_calendar])
    closes_on = DateField(_l("Last day for applications (inclusive)"), validators=[InputRequired(_l("Please fill in this field.")),
                                                                                   within_calendar])
    units = MultiCheckboxField(_l("Recommending units taking part"), coerce=int)
    instructions = TextAreaField(_l("Instructions for applicants"), validators=[Length(max=4000)])

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_("The last day cannot be before the opening day."))
        if field.data and field.data < service.today():
            raise ValidationError(_("The last day has already passed."))

    def validate_units(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one recommending unit."))

    def validate_batch(self, field):
        if self.year.errors or field.errors:  # a year or batch out of range is not looked up
            return
        if self.year.data and field.data and service.find_round(self.year.data, field.data) is not None:
            raise ValidationError(_("Batch %(batch)s of %(year)s exists already.", batch=field.data, year=self.year.data))


class CloseRoundForm(FlaskForm):
    confirm = BooleanField(_l("I understand: no new application can be started in this round once it is closed."),
                           validators=[DataRequired(_l("Please confirm before closing the round."))])


def _unit_choices() -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in db.session.scalars(select(Unit).order_by(Unit.id))]


@bp.route("/rounds")
@role_required(*ROUND_READERS)
def index():
    rounds = db.session.scalars(select(ApplicationRound).options(selectinload(ApplicationRound.units))
                                .order_by(ApplicationRound.opens_at.desc(), ApplicationRound.id.desc())).all()
    counts = dict(db.session.execute(select(Application.round_id, func.count(Application.id))
                                     .group_by(Application.round_id)).all())
    unit_total = db.session.scalar(select(func.count(Unit.id))) or 0
    return render_template("rounds/index.html", rounds=rounds, counts=counts, unit_total=unit_total,
                           labels=STATUS_LABELS)


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(*ROUND_MANAGERS)
def new():
    form = RoundForm()
    form.units.choices = _unit_choices()
    if request.method == "GET":
        today = service.today()
        form.year.data = today.year
        form.batch.data = service.next_batch(today.year)
        form.opens_on.data = today
        form.closes_on.data = today + timedelta(days=30)
        form.units.data = [unit_id for unit_id, _name in form.units.choices]
    if form.validate_on_submit():
        round_ = service.open_round(
            title=form.title.data, year=form.year.data, batch=form.batch.data, opens_on=form.opens_on.data,
            closes_on=form.closes_on.data, unit_ids=form.units.data, instructions=form.instructions.data,
            user=current_user)
        db.session.commit()
        flash(_("The round “%(title)s” was opened: applications are accepted from %(opens)s through %(closes)s.",
                title=round_.title, opens=round_.opens_on.isoformat(), closes=round_.closes_on.isoformat()), "success")
        return redirect(url_for("rounds.show", round_id=round_.id))
    return render_template("rounds/new.html", form=form)


@bp.route("/rounds/<round_id>")
@role_required(*ROUND_READERS)
def show(round_id):
    round_ = get_or_404(ApplicationRound, round_id)
    applications = db.session.scalars(
        select(Application).options(selectinload(Application.organisation), selectinload(Application.unit))
        .where(Application.round_id == round_.id).order_by(Application.id)).all()
    close_form = CloseRoundForm() if current_user.role in ROUND_MANAGERS and round_.status != "closed" else None
    return render_template("rounds/show.html", round=round_, applications=applications, close_form=close_form,
                           history=service.round_history(round_), labels=STATUS_LABELS)


@bp.route("/rounds/<round_id>/close", methods=["POST"])
@role_required(*ROUND_MANAGERS)
def close(round_id):
    round_ = get_or_404(ApplicationRound, round_id)
    form = CloseRoundForm()
    if round_.status == "closed":
        flash(_("This round is already closed."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    if not form.validate_on_submit():
        flash(_("The round was not closed: please confirm first."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    service.close_early(round_, current_user)
    db.session.commit()
    flash(_("The round “%(title)s” is closed: no new applications are accepted in it.", title=round_.title), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))
