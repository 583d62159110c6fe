"""The case page (`/instances/<id>`, issue 8 item 2): the case on the diagram of the version it runs on, its
pending timers, its documents and business record, its runtime faults and its audit trail as people read it.

Registered on the supervision blueprint (webapp/__init__.py imports this module before registering it), so
`supervision.show` stays the endpoint every page links to.
"""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from webapp.access import may_follow_case, may_view_application, may_view_space, sees_fault_details
from webapp.engine import faults
from webapp.extensions import db
from webapp.labels import with_lane_labels
from webapp.models import (
    Application,
    Attachment,
    Award,
    Evaluation,
    HumanTask,
    MakerSpace,
    Objection,
    ProcessInstance,
    PublicNotice,
)
from webapp.views import get_or_404, require

from .audit_trail import readable_trail
from .case_state import case_state, diagram_file, participant_of
from .instances import withdrawn_statuses
from .routes import bp


def _followed(instance_id) -> ProcessInstance:
    instance = get_or_404(ProcessInstance, instance_id)
    require(may_follow_case(current_user, instance))
    return instance


@bp.route("/instances/<instance_id>")
@login_required
def show(instance_id):
    instance = _followed(instance_id)
    state = case_state(instance)
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)).all()
    case_faults = faults.faults_of(instance.id)
    # Other staff learn only that a fault holds the case up, never the engine's message.
    details = sees_fault_details(current_user)
    file_name = diagram_file(instance.bundle, instance.process_id)
    designer = current_user.role == "designer"  # reads how the diagram behaved, not who did what
    return render_template(
        "supervision/show.html", instance=instance, state=state, tasks=tasks, trail=readable_trail(instance, people=not designer),
        designer=designer,
        faults=case_faults if details else [], fault_pending=any(f.current for f in case_faults),
        diagram=file_name, participant=participant_of(instance.bundle, file_name, instance.process_id) if file_name else None,
        record=business_record(instance),
        status=withdrawn_statuses([instance]).get(instance.id, instance.status),  # 已撤回（未提交）, not 已取消
    )


@bp.route("/instances/<instance_id>/diagram.xml")
@login_required
def diagram_xml(instance_id):
    """The diagram of the version the case runs on (not the newest one), for the page's viewer."""
    instance = _followed(instance_id)
    name = diagram_file(instance.bundle, instance.process_id)
    if name is None:
        abort(404)
    # Lanes read by their roles' labels, in the reader's language (a bundle never changes; the language may).
    return Response(with_lane_labels(instance.bundle.files[name]), mimetype="application/xml",
                    headers={"Cache-Control": "private, max-age=3600", "Vary": "Cookie"})


def business_record(instance: ProcessInstance) -> dict | None:
    """The records the case is about, for a reader who may open them (designers follow the diagram only: no
    files, no records). Pages that exist are linked rather than repeated."""
    subject = instance.subject
    application = subject if isinstance(subject, Application) else None
    space = subject if isinstance(subject, MakerSpace) else None
    if application is not None and not may_view_application(current_user, application):
        return None
    if space is not None and not may_view_space(current_user, space):
        return None
    if subject is None:
        return None
    if application is not None:
        space = db.session.scalar(select(MakerSpace).where(MakerSpace.application_id == application.id))
        files = or_(Attachment.application_id == application.id, Attachment.instance_id == instance.id)
    else:
        files = Attachment.instance_id == instance.id
    notices = db.session.scalars(select(PublicNotice).where(or_(
        PublicNotice.instance_id == instance.id,
        (PublicNotice.subject_type == instance.subject_type) & (PublicNotice.subject_id == instance.subject_id),
    )).order_by(PublicNotice.starts_at)).all()
    return {
        "application": application,
        "space": space if space is not None and may_view_space(current_user, space) else None,
        # An objection's letter and evidence belong to it alone (the applicant must not learn who objected).
        "attachments": db.session.scalars(select(Attachment).where(files, Attachment.objection_id.is_(None)).order_by(Attachment.uploaded_at, Attachment.id)).all(),
        "evaluations": db.session.scalars(select(Evaluation).where(Evaluation.instance_id == instance.id)
                                          .order_by(Evaluation.at)).all(),
        "awards": db.session.scalars(select(Award).where(Award.instance_id == instance.id).order_by(Award.at)).all(),
        "notices": notices,
        "objections": db.session.scalars(select(Objection).where(Objection.instance_id == instance.id)
                                         .order_by(Objection.lodged_at)).all() if current_user.sees_everything else [],
    }
