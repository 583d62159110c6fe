"""The registry of recognised spaces and their dossiers (Art. 15–20)."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from forms.change_conditions import filed_shortfalls
from forms.change_filing import change_rows
from forms.objection import ObjectionForm
from webapp import submissions
from webapp.access import assigned_task_on_space, may_read_space_reports, may_view_space, spaces_query
from webapp.clock import CHINA, clock
from webapp.engine.runtime import NotWaiting, Runtime, TaskUnavailable
from webapp.extensions import db
from webapp.models import (
    Award,
    ChangeFiling,
    Evaluation,
    HumanTask,
    MakerSpace,
    ProcessInstance,
    PublicNotice,
    Report,
    SpaceStatusChange,
)
from webapp.registry import changes, national
from webapp.registry.certificate import certificate_pdf
from webapp.registry.under_way import first_open_step, running_case
from webapp.registry.waiting_words import waiting_words
from webapp.views import back_to, get_or_404, report_engine_fault, require

bp = Blueprint("registry", __name__)


def _event_form(process_id: str, message: str | None = None):
    """The form the diagram declares on the event that starts `process_id` (or catches `message`)."""
    from forms.generated import declared_fields, declared_form_class
    from webapp.engine.definitions import event_properties

    return declared_form_class(declared_fields(event_properties(process_id, message)))()


@bp.route("/spaces")
@login_required
def index():
    spaces = db.session.scalars(spaces_query(current_user).limit(1000)).all()
    return render_template("registry/index.html", spaces=spaces)


def _visible(space_id) -> MakerSpace:
    space = get_or_404(MakerSpace, space_id)
    require(may_view_space(current_user, space))
    return space


@bp.route("/spaces/<space_id>")
@login_required
def show(space_id):
    space = _visible(space_id)

    def rows(model, order):
        return db.session.scalars(select(model).where(model.space_id == space.id).order_by(order)).all()

    instances = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.subject_type == "space", ProcessInstance.subject_id == space.id).order_by(ProcessInstance.id)).all()
    # The open steps of its running procedures, with their deadlines (an overdue half-year report shows here,
    # not only once it has turned 未报): one query, read from the indexed rows.
    open_steps: dict[int, list[HumanTask]] = {}
    running_ids = [i.id for i in instances if i.status == "running"]
    for step in db.session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(running_ids),
                                                           HumanTask.status == "open").order_by(HumanTask.id)):
        open_steps.setdefault(step.instance_id, []).append(step)
    # Where each running procedure stands (no hint of an investigation for the operator: see the template).
    return render_template(
        "registry/show.html", space=space, instances=instances, open_steps=open_steps,
        waiting_words=waiting_words(instances),  # what follows a wait, in its diagram's words (整改期: 复核考核)
        certified=space.status in MakerSpace.CERTIFIED,
        history=rows(SpaceStatusChange, SpaceStatusChange.id), reports=rows(Report, Report.opened_at),
        evaluations=rows(Evaluation, Evaluation.id), awards=rows(Award, Award.id),
        changes=rows(ChangeFiling, ChangeFiling.id), change_rows=change_rows, change_shortfalls=filed_shortfalls,
        # the filings the operator withdrew before handing them in: its own to read, nobody else's business
        withdrawn_changes=changes.withdrawn_filings(space.id) if current_user.role == "applicant" else [],
        violation_form=_event_form("violation_case"),
        leave_form=_event_form("space_lifecycle", "leave_system"),
        objection_form=ObjectionForm() if current_user.role == "torch_center" else None, now=clock.now(),
        national_filing=national.offer(space) if current_user.role == "approver" else None,
        start_token=submissions.new_token,  # a new one for each form that starts a case
        notices=db.session.scalars(select(PublicNotice).where(
            PublicNotice.subject_type == "space", PublicNotice.subject_id == space.id).order_by(PublicNotice.id)).all(),
    )


def _start_for_space(process_id: str, space: MakerSpace, data: dict) -> tuple[ProcessInstance, bool]:
    """Start `process_id` for the space from the posted form and commit; (the case, whether the same form
    had already started it: then nothing new is started and it is that case)."""
    token = submissions.token_from(request.form)
    if (earlier := _started_by_form(token, process_id, space)) is not None:
        return earlier, True
    try:
        instance = Runtime(actor=current_user).start(
            process_id, subject_type="space", subject_id=space.id, organisation_id=space.organisation_id,
            unit_id=space.unit_id, data={"space_id": space.id, **data}, start_token=token)
        db.session.commit()
    except IntegrityError:  # the same form, posted at the same moment, started it first (the unique token)
        db.session.rollback()
        if (earlier := _started_by_form(token, process_id, space)) is not None:
            return earlier, True
        # another form started a change filing of this space at the same moment (one under way: a unique index)
        if process_id == changes.PROCESS and (running := changes.running_filing(space.id)) is not None:
            raise changes.FilingUnderWay(running) from None
        raise
    return instance, False


def _started_by_form(token: str | None, process_id: str, space: MakerSpace) -> ProcessInstance | None:
    earlier = submissions.started_with(token)
    if earlier is not None and (earlier.process_id, earlier.subject_type, earlier.subject_id) != (
            process_id, "space", space.id):
        abort(400)  # a token copied from another form: never a way to another case
    return earlier


def _active(space: MakerSpace) -> bool:
    return space.status not in ("revoked", "left")




@bp.route("/spaces/<space_id>/reports/<report_id>")
@login_required
def report(space_id, report_id):
    """A half-year report as it was handed in: its figures, labelled as the form asked for them, and its summary.
    Whoever may open the space's dossier may read its reports (the Torch Center checks them), and so may an expert
    while scoring the space's evaluation (indicator A3: access.may_read_space_reports); the expert, who may not
    open the dossier, is led back to the scoring step."""
    from forms.lifecycle import REPORT_AMOUNTS, REPORT_COUNTS

    space = get_or_404(MakerSpace, space_id)
    require(may_read_space_reports(current_user, space))
    entry = get_or_404(Report, report_id)
    if entry.space_id != space.id:
        abort(404)
    figures = [(label, (entry.data or {}).get(name)) for name, label in [*REPORT_COUNTS, *REPORT_AMOUNTS]]
    scoring = None if may_view_space(current_user, space) else assigned_task_on_space(current_user, space.id)
    return render_template("registry/report.html", space=space, report=entry, figures=figures,
                           summary=(entry.data or {}).get("summary", ""), scoring=scoring)


@bp.route("/spaces/<space_id>/certificate.pdf")
@login_required
def certificate(space_id):
    """The recognition certificate, to print; only while the space holds its recognition."""
    space = _visible(space_id)
    if space.status not in MakerSpace.CERTIFIED:
        flash(_("This space no longer holds its recognition, so it has no certificate."), "error")
        return redirect(url_for("registry.show", space_id=space.id))
    pdf = certificate_pdf(certificate_no=space.certificate_no, space_name=space.name,
                          operator=space.organisation.name,
                          recognised_on=space.recognised_at.astimezone(CHINA).date())
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                         download_name=f"认定证书-{space.certificate_no}.pdf")  # inline; RFC 6266 filename*
    response.headers["Cache-Control"] = "no-store"
    return response


def _start_and_open(space_id, process_id: str, role: str, data: dict | None = None):
    """Start a space's case that `role` begins on this page (with `data` as its start data), and open its first
    step (one commit)."""
    space = _visible(space_id)
    require(current_user.role == role and _active(space))
    FlaskForm().validate_on_submit() or require(False)
    try:
        instance, again = _start_for_space(process_id, space, data or {})
    except (HTTPException, changes.FilingUnderWay):  # refusals (a token copied from another form, a filing
        raise  # started at the same moment), not a fault of the diagram
    except Exception as exc:  # the new case's diagram failed on its first steps: nothing is kept
        report_engine_fault(exc, trigger="start")
        return redirect(url_for("registry.show", space_id=space_id))
    if again:
        flash(_("This form was already sent, and the case it started is shown; nothing new was started."), "warning")
    return _to_first_step(instance, space)


def _to_first_step(instance: ProcessInstance, space: MakerSpace):
    """To the case's first open step, or back to the space's page when none is open."""
    first = first_open_step(instance.id)
    return redirect(url_for("inbox.task", task_id=first.id) if first else url_for("registry.show", space_id=space.id))


@bp.route("/spaces/<space_id>/changes", methods=["POST"])
@login_required
def start_change(space_id):
    """The operator files a major change (Art. 17); it goes through its recommender to the Department. One
    filing at a time: a second click (another tab, an old page) opens the filing already started, or says that
    the one handed in is still being reviewed."""
    space = _visible(space_id)
    if current_user.role == "applicant" and (running := changes.running_filing(space.id)) is not None:
        FlaskForm().validate_on_submit() or require(False)
        return _filing_under_way(space, running)
    try:
        return _start_and_open(space_id, "change_filing", "applicant")
    except changes.FilingUnderWay as lost:  # another tab started one at the same instant: the same answer
        return _filing_under_way(space, lost.instance)


def _filing_under_way(space: MakerSpace, running: ProcessInstance):
    """The answer to a start while a filing of the space is under way: open it while it is still the
    operator's to fill in, else say it is being reviewed."""
    if changes.waits_only_on_the_operator(running):
        flash(_("A change filing of this space is already started and not yet handed in: it is opened here. "
                "Put every change in it, or withdraw it first."), "warning")
        return _to_first_step(running, space)
    flash(_("A change filing of this space is being reviewed; a new one can be filed once it is settled. "
            "Where it stands is shown below."), "warning")
    return redirect(url_for("registry.show", space_id=space.id))


@bp.route("/spaces/<space_id>/changes/<instance_id>/withdraw", methods=["POST"])
@login_required
def withdraw_change(space_id, instance_id):
    """The operator gives up a change filing it has not handed in (webapp/registry/changes.py)."""
    space = _visible(space_id)
    instance = get_or_404(ProcessInstance, instance_id)
    require(changes.is_operators_filing(current_user, instance, space.id))
    FlaskForm().validate_on_submit() or require(False)
    dossier = url_for("registry.show", space_id=space.id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that you withdraw this change filing; nothing was changed."), "error")
        return redirect(back_to(dossier))
    try:
        changes.withdraw_filing(current_user, instance)
        db.session.commit()
    except changes.Refusal as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(dossier)
    except (TaskUnavailable, StaleDataError):
        db.session.rollback()
        flash(_("Someone else changed this case at the same moment (the step was completed, sent back or taken "
                "over); nothing was done. Please look at the case again."), "error")
        return redirect(dossier)
    except Exception as exc:  # the diagram failed while the case was being ended: nothing is kept
        report_engine_fault(exc, trigger="task", instance_id=instance.id, step="withdraw")
        return redirect(dossier)
    flash(_("The change filing was withdrawn; nobody will review it. To file the change later, start a new filing "
            "from this page."), "success")
    return redirect(dossier)


@bp.route("/spaces/<space_id>/national-filing", methods=["POST"])
@login_required
def start_national_filing(space_id):
    """Art. 15, 16: the Department records a national filing whenever it happens (its own case), at a level the
    space is not yet filed at (webapp/registry/national.py); one filing of a space at a time."""
    space = _visible(space_id)
    require(current_user.role == "approver" and _active(space))
    FlaskForm().validate_on_submit() or require(False)
    if (running := running_case(national.PROCESS, space.id)) is not None:  # another tab, or the page opened again
        flash(_("A national filing of this space is under way; it is opened here, nothing new was started."), "warning")
        return _to_first_step(running, space)
    filing = national.offer(space)
    if not filing.open:  # a page shown before the last filing was recorded
        flash(_("This space is already filed as %(levels)s; there is no national filing left to record.",
                levels=_(" and ").join(filing.held)), "warning")
        return redirect(url_for("registry.show", space_id=space.id))
    return _start_and_open(space_id, "national_filing", "approver", {"filed_as": filing.held})


@bp.route("/spaces/<space_id>/violations", methods=["POST"])
@login_required
def report_violation(space_id):
    """A serious violation, accident or listing is reported (R21, R22) and investigated."""
    space = _visible(space_id)
    require(current_user.role in ("torch_center", "approver", "recommender") and _active(space))
    form = _event_form("violation_case")
    if not form.validate_on_submit():
        flash(_("Please describe what was reported."), "error")
        return redirect(url_for("registry.show", space_id=space.id))
    try:
        again = _start_for_space("violation_case", space, form.task_data())[1]
    except HTTPException:  # a refusal (a token copied from another form), not a fault of the diagram
        raise
    except Exception as exc:  # the new case's diagram failed on its first steps: nothing is kept
        report_engine_fault(exc, trigger="start")
        return redirect(url_for("registry.show", space_id=space_id))
    if again:
        flash(_("This report was already filed from this form; nothing new was started."), "warning")
    else:
        flash(_("The report was filed and sent to the Torch Center for investigation."), "success")
    return redirect(url_for("registry.show", space_id=space.id))


@bp.route("/spaces/<space_id>/leave", methods=["POST"])
@login_required
def leave(space_id):
    """Art. 9 / R10: a space that became an incubator, park, software base or 星创天地 leaves the system."""
    space = _visible(space_id)
    require(current_user.role == "torch_center" and _active(space))
    form = _event_form("space_lifecycle", "leave_system")
    if not form.validate_on_submit() or not space.lifecycle_instance_id:
        flash(_("Nothing was changed."), "error")
        return redirect(url_for("registry.show", space_id=space.id))
    lifecycle_id = space.lifecycle_instance_id
    try:
        Runtime(actor=current_user).send_message(db.session.get(ProcessInstance, lifecycle_id),
                                                 "leave_system", form.task_data())
        db.session.commit()
        flash(_("The space left this system's management and evaluation."), "success")
    except NotWaiting:
        db.session.rollback()
        flash(_("Nothing was changed."), "error")
    except Exception as exc:  # the lifecycle diagram (or one it reaches) failed: nothing is kept
        report_engine_fault(exc, trigger="message", instance_id=lifecycle_id, step="leave_system")
    return redirect(url_for("registry.show", space_id=space.id))
