"""Public notices (公示), readable without an account; objections to a running notice, recorded by staff."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from forms.objection import ObjectionForm
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import ProcessInstance, PublicNotice
from webapp.views import get_or_404, local_path, report_engine_fault, role_required

from .objections import lodge, refusal_text

bp = Blueprint("notices", __name__)


@bp.app_template_global("objection_files")
def objection_files(objection_id) -> list:
    """An objection's stamped letter and evidence, for the staff who handle objections (to anyone else: none;
    the applicant must not learn who objected)."""
    from webapp.models import Attachment

    if not (current_user.is_authenticated and current_user.sees_everything) or not objection_id:
        return []
    return list(db.session.scalars(select(Attachment).where(Attachment.objection_id == int(objection_id))
                                   .order_by(Attachment.uploaded_at, Attachment.id)))


@bp.app_template_global("other_objections")
def other_objections(instance_id, objection_id) -> list:
    """The case's other accepted objections, for the staff investigating or deciding one (waiting in the queue,
    or decided, with the decision): each is decided on its own, but not in ignorance of the others."""
    from webapp.models import Objection

    if not (current_user.is_authenticated and current_user.sees_everything) or not instance_id:
        return []
    return list(db.session.scalars(select(Objection).where(
        Objection.instance_id == int(instance_id), Objection.id != int(objection_id or 0),
        (Objection.refused_reason == "") | Objection.queued.is_(True)).order_by(Objection.lodged_at, Objection.id)))


@bp.app_template_global("objection_refusal")
def objection_refusal(reason: str) -> str:
    """Why an objection was not accepted, in the reader's language (stored as a code: webapp/notices/objections.py)."""
    return refusal_text(reason)


@bp.route("/notices")
def index():
    """The staff's list of every notice (scheduled ones too); the public reads the portal's, which shows only
    the notices that have started, of the kinds it publishes."""
    if not (current_user.is_authenticated and current_user.sees_everything):
        return redirect(url_for("portal.notices"))
    notices = db.session.scalars(select(PublicNotice).order_by(PublicNotice.id.desc()).limit(200)).all()
    return render_template("notices/index.html", notices=notices, now=clock.now())


@bp.route("/notices/<notice_id>/objections", methods=["POST"])
@role_required("torch_center")
def lodge_objection(notice_id):
    """Torch Center staff record an objection to a notice while it runs; it reaches the notice's case as the
    message its diagram waits for. Outside the notice period it is refused, and the refusal recorded."""
    notice = get_or_404(PublicNotice, notice_id)
    back = local_path(request.form.get("next"), url_for("notices.index"))
    form = ObjectionForm()
    if not form.validate_on_submit():
        flash(_("The objection was not accepted: name, contact details and reasons are required."), "error")
        return redirect(back)
    instance = db.session.get(ProcessInstance, notice.instance_id) if notice.instance_id else None
    if notice.withdrawn_at is not None:
        instance = None  # a withdrawn result takes no objections
    instance_id = notice.instance_id
    try:
        accepted = lodge(current_user, form, instance=instance, notice_id=notice.id,
                         application_id=notice.subject_id if notice.subject_type == "application" else None)
        db.session.commit()
    except Exception as exc:  # the notice's diagram failed on the objection: neither is kept
        report_engine_fault(exc, trigger="message", instance_id=instance_id, step="objection")
        return redirect(back)
    if accepted:
        flash(_("The objection was recorded and sent for investigation."), "success")
    else:
        flash(_("This notice is not running any more; the objection was not accepted."), "error")
    return redirect(back)
