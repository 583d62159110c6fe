"""Supervisors (and staff) follow every instance and its audit trail, read-only."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.access import FAULT_READERS, may_follow_case, sees_fault_details
from webapp.engine import faults
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, ProcessInstance, Unit
from webapp.views import get_or_404, require, role_required

bp = Blueprint("supervision", __name__)


@bp.route("/instances")
@role_required("supervisor", "torch_center", "approver")
def index():
    query = select(ProcessInstance).options(selectinload(ProcessInstance.bundle)).order_by(ProcessInstance.id.desc())
    process_id = request.args.get("process")
    if process_id:
        query = query.where(ProcessInstance.process_id == process_id)
    status = request.args.get("status")
    if status:
        query = query.where(ProcessInstance.status == status)
    instances = db.session.scalars(query.limit(500)).all()
    by_unit = db.session.execute(
        select(Unit.name, ProcessInstance.status, func.count(ProcessInstance.id))
        .join(Unit, Unit.id == ProcessInstance.unit_id)
        .group_by(Unit.name, ProcessInstance.status).order_by(Unit.name)
    ).all()
    return render_template("supervision/index.html", instances=instances, by_unit=by_unit)


@bp.route("/instances/<instance_id>")
@login_required
def show(instance_id):
    instance = get_or_404(ProcessInstance, instance_id)
    require(may_follow_case(current_user, instance))
    events = db.session.scalars(select(AuditEvent).options(selectinload(AuditEvent.actor)).where(AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)).all()
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)).all()
    case_faults = faults.faults_of(instance.id)
    # Other staff learn only that a fault holds the case up, never the engine's message.
    details = sees_fault_details(current_user)
    return render_template("supervision/show.html", instance=instance, events=events, tasks=tasks,
                           faults=case_faults if details else [],
                           fault_pending=any(f.current for f in case_faults))


@bp.route("/faults")
@role_required(*FAULT_READERS)
def fault_list():
    """Where the diagrams failed on real cases, the current ones first; faults met while starting a case
    (which was then not kept) are only here."""
    return render_template("supervision/faults.html", faults=faults.recent_faults())
