"""POST routes of the office verbs. Thin: load and authorise, call the service, commit once, say what happened.

Who may never use a verb (a supervisor, a designer, someone outside the case's scope) gets 403, like every
other forbidden route; someone who may act on the case but not in this way is told why, in a flash."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from webapp.access import may_work_on
from webapp.engine.runtime import TaskUnavailable
from webapp.extensions import db
from webapp.models import Application, HumanTask
from webapp.views import back_to, get_or_404, report_engine_fault, require

from . import service
from .service import Refusal

bp = Blueprint("office", __name__)
NEVER = ("supervisor", "designer")  # they read cases; they change nothing


@bp.app_context_processor
def _office_helpers() -> dict:
    """What the task, case and application pages need to offer the verbs (templates/office/)."""
    return {"office_task_actions": service.task_actions, "office_urgeable": service.urgeable,
            "office_may_withdraw_application": service.may_withdraw_application,
            "office_withdrawal": service.withdrawal,
            "office_withdrawable": service.withdrawable_rows}


def _task(task_id) -> HumanTask:
    require(current_user.role not in NEVER)
    return get_or_404(HumanTask, task_id)


def _back(default: str):
    return redirect(back_to(default))


def _run(action, *, task: HumanTask | None, step: str, instance_id: int):
    """Run one verb and commit; every way it can fail becomes a message and nothing of it is kept."""
    try:
        result = action()
        db.session.commit()
        return True, result
    except Refusal as exc:
        db.session.rollback()
        flash(str(exc), "error")
    except (TaskUnavailable, StaleDataError):
        db.session.rollback()
        flash(_("Someone else changed this case at the same moment (the step was completed, sent back or taken "
                "over); nothing was done. Please look at the case again."), "error")
    except Exception as exc:  # a diagram failed while the case was being rewound: nothing is saved
        report_engine_fault(exc, trigger="task", instance_id=instance_id, step=step)
    return False, None


@bp.route("/tasks/<task_id>/return", methods=["POST"])
@login_required
def send_back(task_id):
    task = _task(task_id)
    require(may_work_on(current_user, task))
    if task.status != "open":
        flash(_("This step has ended, so it cannot send the case back."), "error")
        return redirect(url_for("inbox.index"))
    title = task.title
    ok, target = _run(lambda: service.send_back(current_user, task, request.form.get("target", ""),
                                                request.form.get("reason")),
                      task=task, step=title, instance_id=task.instance_id)
    if ok:
        flash(_("The case was sent back from %(step)s to %(target)s; the reason was passed on.", step=title,
                target=target.title), "success")
        return redirect(url_for("inbox.index"))
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/tasks/<task_id>/withdraw", methods=["POST"])
@login_required
def withdraw(task_id):
    task = _task(task_id)
    require(may_work_on(current_user, task) or task.completed_by_id == current_user.id)
    title = task.title
    ok, _result = _run(lambda: service.withdraw_step(current_user, task), task=task, step=title,
                       instance_id=task.instance_id)
    if ok:
        flash(_("You withdrew %(step)s; it is open for you again.", step=title), "success")
        return redirect(url_for("inbox.task", task_id=task_id))
    return redirect(url_for("inbox.index"))


@bp.route("/tasks/<task_id>/transfer", methods=["POST"])
@login_required
def transfer(task_id):
    task = _task(task_id)
    require(may_work_on(current_user, task))
    title = task.title
    ok, colleague = _run(lambda: service.transfer(current_user, task, request.form.get("colleague"),
                                                  request.form.get("note")),
                         task=task, step=title, instance_id=task.instance_id)
    if ok:
        flash(_("%(step)s was transferred to %(who)s, who has been told.", step=title, who=colleague.display_name),
              "success")
        return redirect(url_for("inbox.index"))
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/tasks/<task_id>/urge", methods=["POST"])
@login_required
def urge(task_id):
    task = _task(task_id)
    require(service.may_urge(current_user, task.instance))
    title = task.title
    ok, people = _run(lambda: service.urge(current_user, task), task=task, step=title, instance_id=task.instance_id)
    if ok:
        # Mail only where it goes: a mail server configured and the person has an address (a walk of the demo:
        # it said "and by mail" with no mail server at all).
        mailed = sum(1 for person in people if person.email) if current_app.config.get("MAIL_HOST") else 0
        if mailed:
            flash(_("Urged: %(step)s. %(n)s people were told in the app, %(m)s of them also by mail.", step=title,
                    n=len(people), m=mailed), "success")
        else:
            flash(_("Urged: %(step)s. %(n)s people were told in the app.", step=title, n=len(people)), "success")
    return _back(url_for("inbox.index"))


@bp.route("/applications/<application_id>/withdraw", methods=["POST"])
@login_required
def withdraw_application(application_id):
    require(current_user.role not in NEVER)
    application = get_or_404(Application, application_id)
    require(current_user.role == "applicant" and application.organisation_id == current_user.organisation_id)
    if request.form.get("confirm") != "yes" and service.may_withdraw_application(current_user, application):
        # the page asks to tick it: a withdrawal cannot be undone (one that cannot be withdrawn is told why below)
        flash(_("Please tick the confirmation before withdrawing: a withdrawn application cannot be resumed."), "error")
        return redirect(url_for("applications.show", application_id=application_id))
    ok, _result = _run(lambda: service.withdraw_application(current_user, application, request.form.get("reason")),
                       task=None, step="", instance_id=application.instance_id)
    if ok:
        flash(_("The application was withdrawn; its case is closed."), "success")
    return redirect(url_for("applications.show", application_id=application_id))
