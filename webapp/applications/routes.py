
from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from forms.objection import ObjectionForm
from forms.text import single_line
from webapp import submissions
from webapp.access import (
    EARLIER_VERSION_READERS,
    applications_query,
    may_view_application,
    may_view_attachment,
)
from webapp.applications import files, progress
from webapp.attachments import content_disposition, served_content_type, storage_path
from webapp.clock import clock
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.history import case_events, history_for
from webapp.models import Application, Attachment, HumanTask, Objection
from webapp.notices.objections import lodge, notice_running
from webapp.rounds import service as rounds
from webapp.views import get_or_404, report_engine_fault, require, role_required

bp = Blueprint("applications", __name__)


class NewApplicationForm(FlaskForm):
    space_name = StringField(_l("Name of the maker space"), filters=[single_line],
                             validators=[DataRequired(_l("Please fill in this field.")), Length(max=200)])
    # A one-time token issued with the form: the same form posted twice finds the application it created.
    submission_token = HiddenField()




@bp.app_template_global()
def document_versions(items) -> files.Versions:
    """An application's documents in their current versions; the earlier ones only for those who read them."""
    found = files.versions(items)
    if not (current_user.is_authenticated and current_user.role in EARLIER_VERSION_READERS):
        found.older = {}
    return found


def _submission_token(form: NewApplicationForm) -> str | None:
    """The form's token, if it is one this site issued (anything else counts as none: no idempotency)."""
    token = form.submission_token.data or ""
    return token if submissions.is_token(token) else None


def _created_with(organisation_id: int, token: str | None) -> Application | None:
    if token is None:
        return None
    return db.session.scalar(select(Application).where(
        Application.organisation_id == organisation_id, Application.submission_token == token))


def _open_application(application: Application, repeated: bool = False):
    """Where a started application continues: its first open step, else its page."""
    if repeated:
        flash(_("This application was already started from this form; here it is."), "warning")
    first = db.session.scalar(select(HumanTask).where(
        HumanTask.instance_id == application.instance_id, HumanTask.status == "open").order_by(HumanTask.id)) \
        if application.instance_id else None
    return redirect(url_for("inbox.task", task_id=first.id) if first else
                    url_for("applications.show", application_id=application.id))


@bp.route("/applications")
@login_required
def index():
    applications = db.session.scalars(applications_query(current_user).limit(500)).all()
    round_, no_round = None, None
    if current_user.role == "applicant":  # the round it may apply in now, or when the next one opens
        unit_id = current_user.organisation.unit_id if current_user.organisation else None
        round_ = rounds.round_for(unit_id)
        no_round = None if round_ else _no_round_message(unit_id)
    return render_template("applications/index.html", applications=applications, round=round_, no_round=no_round,
                           sent_back=progress.sent_back(applications), now=clock.now())


@bp.route("/applications/new", methods=["GET", "POST"])
@role_required("applicant")
def new():
    organisation = current_user.organisation
    unit_id = organisation.unit_id if organisation else None
    round_ = rounds.round_for(unit_id)
    form = NewApplicationForm()
    if round_ is None:
        flash(_no_round_message(unit_id), "error")
        return redirect(url_for("applications.index"))
    if form.validate_on_submit():
        token = _submission_token(form)
        if existing := _created_with(organisation.id, token):  # a double click, a resubmit: no second case
            return _open_application(existing, repeated=True)
        application = Application(round_id=round_.id, organisation_id=organisation.id, unit_id=organisation.unit_id,
                                  space_name=form.space_name.data.strip(), status="draft", submission_token=token)
        db.session.add(application)
        try:
            db.session.flush()
        except IntegrityError:  # the same form, posted at the same moment, created it first (unique token)
            db.session.rollback()
            if existing := _created_with(organisation.id, token):
                return _open_application(existing, repeated=True)
            raise
        try:
            instance = Runtime(actor=current_user).start(
                "recognition", subject_type="application", subject_id=application.id,
                organisation_id=organisation.id, unit_id=organisation.unit_id,
                data={"application_id": application.id, "round_id": round_.id, "space_name": application.space_name,
                      "round_closes_at": round_.closes_at.isoformat()},
            )
        except Exception as exc:  # the diagram failed on its first steps: no application is left behind
            report_engine_fault(exc, trigger="start")
            return redirect(url_for("applications.index"))
        application.instance_id = instance.id
        db.session.commit()
        _warn_of_namesakes(application)
        return _open_application(application)
    if not _submission_token(form):
        form.submission_token.data = submissions.new_token()
    return render_template("applications/new.html", form=form, round=round_)


def _warn_of_namesakes(application: Application) -> None:
    """Allowed (a name is the applicant's to choose), but said at once: a space of that name is already
    recognised, or the organisation has another application of that name under way (a second click of
    开始申报 after going back made a second draft)."""
    from webapp.models import MakerSpace

    name = application.space_name
    if db.session.scalar(select(MakerSpace.id).where(MakerSpace.name == name, MakerSpace.status.in_(MakerSpace.CERTIFIED))
                         .limit(1)) is not None:
        flash(_("Note: a maker space named “%(name)s” is already recognised. Please check the name.", name=name),
              "warning")
    elif db.session.scalar(select(Application.id).where(
            Application.organisation_id == application.organisation_id, Application.space_name == name,
            Application.id != application.id, Application.status.in_(("draft", "in_review"))).limit(1)) is not None:
        flash(_("Note: your organisation already has an application named “%(name)s” under way; if this one was "
                "started by mistake, it can be withdrawn on its page.", name=name), "warning")


def _no_round_message(unit_id) -> str:
    """Why no application can be started now, and when the next round opens (China time), if one is planned."""
    upcoming = rounds.next_round_for(unit_id)
    if upcoming is None:
        return _("No application round is open for your recommending unit at the moment, and no next round has been announced yet.")
    return _("No application round is open for your recommending unit at the moment. The next round, “%(title)s”, opens for applications on %(date)s.",
             title=upcoming.title, date=upcoming.opens_on.isoformat())


def _visible(application_id) -> Application:
    application = get_or_404(Application, application_id)
    require(may_view_application(current_user, application))
    return application


@bp.route("/applications/<application_id>")
@login_required
def show(application_id):
    application = _visible(application_id)
    events = case_events(application.instance_id) if application.instance_id else []
    history = history_for(application.instance_id, current_user, events) if application.instance_id else []
    has_letter = any(e.action == "completed" and ((e.detail or {}).get("data") or {}).get("recommendation_letter")
                     for e in events)
    # Objectors' names and reasons are for the staff who handle them, not for the applicant or experts.
    objections = db.session.scalars(select(Objection).where(
        Objection.application_id == application.id)).all() if current_user.sees_everything else []
    return render_template("applications/show.html", application=application,
                           history=history, has_letter=has_letter, objections=objections,
                           sent_back=progress.sent_back([application]).get(application.id), now=clock.now(),
                           # offered while its notice runs (it was offered on any application under review,
                           # refused only once filled in: 该申报不在公示期内)
                           objection_form=ObjectionForm() if current_user.role == "torch_center" and application.instance
                           and notice_running(application.instance) else None)


@bp.route("/attachments/<attachment_id>")
@login_required
def download(attachment_id):
    attachment = get_or_404(Attachment, attachment_id)
    require(may_view_attachment(current_user, attachment))
    # Always a download, under the user's own name (RFC 6266 filename*=UTF-8''... for Chinese), typed only
    # from the allow-list of accepted kinds as its content was found to be at upload, when that agrees with
    # the name's extension (else application/octet-stream); never sniffed, never cached.
    response = send_file(storage_path(attachment.stored_name),
                         mimetype=served_content_type(attachment.content_type, attachment.original_name),
                         as_attachment=True, download_name=attachment.original_name,
                         conditional=False, etag=False, max_age=None)
    response.headers["Content-Disposition"] = content_disposition(attachment.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/applications/<application_id>/objections", methods=["POST"])
@role_required("torch_center")
def lodge_objection(application_id):
    """Torch Center staff record an objection received during the public notice (real name required)."""
    application = _visible(application_id)
    form = ObjectionForm()
    if not form.validate_on_submit():
        flash(_("The objection was not accepted: name, contact details and reasons are required."), "error")
        return redirect(url_for("applications.show", application_id=application.id))
    instance_id = application.instance_id
    try:
        accepted = lodge(current_user, form, instance=application.instance, application_id=application.id)
        db.session.commit()
    except Exception as exc:  # the notice's diagram failed on the objection: neither is kept
        report_engine_fault(exc, trigger="message", instance_id=instance_id, step="objection")
        return redirect(url_for("applications.show", application_id=application_id))
    if accepted:
        flash(_("The objection was recorded and sent for investigation."), "success")
    else:
        flash(_("This application is not in its public notice period; the objection was not accepted."), "error")
    return redirect(url_for("applications.show", application_id=application.id))
