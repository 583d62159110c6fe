import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from forms import form_class_for
from webapp.access import claim_blocks, inbox_query, may_work_on
from webapp.engine.runtime import TaskUnavailable, WorkflowError
from webapp.engine.sandbox import render_instructions
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, Notification
from webapp.models.accounts import GROUP_ROLES
from webapp.views import get_or_404, require

from . import service

bp = Blueprint("inbox", __name__)
log = logging.getLogger(__name__)
TAKEN = "This task has already been handled or taken by someone else; your input was not saved."


@bp.route("/")
@login_required
def index():
    tasks = db.session.scalars(inbox_query(current_user).limit(200)).all()
    return render_template("inbox/index.html", tasks=tasks)


def _task_for_user(task_id) -> HumanTask:
    task = get_or_404(HumanTask, task_id)
    require(may_work_on(current_user, task))
    return task


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id):
    task = _task_for_user(task_id)
    if task.status != "open":
        flash(_(TAKEN), "error")
        return redirect(url_for("inbox.index"))
    data = service.task_data(task)
    ctx = service.context_for(current_user, task, data)
    form_class = form_class_for(task.form_key, ctx.properties)
    form = form_class(data=form_class.initial(data)) if request.method == "GET" else form_class()
    form.prepare(ctx)
    if request.method == "POST":
        if claim_blocks(current_user, task):
            flash(_(TAKEN), "error")
            return redirect(url_for("inbox.index"))
        if form.validate():
            try:
                _complete_with_retry(task.id, form)
            except TaskUnavailable:
                db.session.rollback()
                flash(_(TAKEN), "error")
                return redirect(url_for("inbox.index"))
            except Exception as exc:  # a diagram or service failed: nothing is saved, the user is told
                db.session.rollback()
                log.exception("completing task %s failed", task.id)
                reason = str(exc) if isinstance(exc, WorkflowError) else type(exc).__name__
                flash(_("The procedure could not continue: %(reason)s. Nothing was saved.", reason=reason), "error")
                return redirect(url_for("inbox.task", task_id=task.id))
            flash(_("Done: %(title)s", title=task.title), "success")
            return redirect(url_for("inbox.index"))
        flash(_("Please correct the marked fields."), "error")
    history = db.session.scalars(
        select(AuditEvent).options(selectinload(AuditEvent.actor)).where(AuditEvent.instance_id == task.instance_id).order_by(AuditEvent.id)
    ).all()
    instructions = render_instructions(service.documentation(task), data)
    return render_template(
        form.template, task=task, form=form, ctx=ctx, data=data, history=history,
        subject=ctx.subject, instructions=instructions,
    ), (200 if request.method == "GET" or not form.errors else 422)


def _complete_with_retry(task_id: int, form) -> None:
    """Complete and commit. Another task of the same case completed at the same moment (two experts of
    one panel) bumps the case's version; then this one is tried once more on the fresh state — unless
    this very task is what the other writer completed."""
    for attempt in (1, 2):
        task = db.session.get(HumanTask, task_id)
        try:
            service.complete_task(current_user, task, form)
            db.session.commit()
            return
        except StaleDataError:
            db.session.rollback()
            if attempt == 2:
                raise TaskUnavailable("the case changed twice meanwhile") from None


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@login_required
def claim(task_id):
    task = _task_for_user(task_id)
    require(task.lane in GROUP_ROLES)
    try:
        service.claim(current_user, task)
        db.session.commit()
        flash(_("You claimed this task."), "success")
    except (TaskUnavailable, StaleDataError):
        db.session.rollback()
        flash(_(TAKEN), "error")
    return redirect(request.referrer or url_for("inbox.index"))


@bp.route("/tasks/<task_id>/release", methods=["POST"])
@login_required
def release(task_id):
    task = _task_for_user(task_id)
    try:
        service.release(current_user, task)
        db.session.commit()
        flash(_("The task is back in the group inbox."), "success")
    except TaskUnavailable:
        db.session.rollback()
        abort(409)
    return redirect(url_for("inbox.index"))


@bp.route("/notifications")
@login_required
def notifications():
    from webapp.engine.clock import clock

    items = db.session.scalars(
        select(Notification).where(Notification.user_id == current_user.id).order_by(Notification.id.desc()).limit(100)
    ).all()
    for item in items:
        if item.read_at is None:
            item.read_at = clock.now()
    db.session.commit()
    return render_template("inbox/notifications.html", items=items)
