import logging
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import contains_eager, undefer
from sqlalchemy.orm.exc import StaleDataError

from forms import form_class_for
from webapp.access import claim_blocks, may_work_on
from webapp.clock import clock
from webapp.database import read_fresh, safe_rollback
from webapp.engine.office import note_text
from webapp.engine.runtime import Runtime, TaskUnavailable
from webapp.engine.sandbox import render_instructions, render_text
from webapp.engine.sentences import sentences
from webapp.extensions import db
from webapp.history import history_for
from webapp.models import HumanTask, Notification, ProcessInstance
from webapp.models.accounts import GROUP_ROLES
from webapp.views import MAX_ID, back_to, ident_or_404, report_engine_fault, require

from . import listing, service
from .rows import present

bp = Blueprint("inbox", __name__)
log = logging.getLogger(__name__)


def _closed_message(task: HumanTask, submitted: bool) -> str:
    """Why a task can no longer be worked on, in words: who handled it and when, or that it ended."""
    unsaved = _(" Your input was not saved.") if submitted else ""
    if task.status == "completed":
        who = actor_name(task.completed_by)
        return _("This step was already handled by %(who)s on %(when)s; there is nothing left to do here.",
                 who=who, when=_localtime(task.completed_at)) + unsaved
    return _("This step has ended: the case moved on or was withdrawn, so there is nothing left to do here.") + unsaved


def actor_name(user) -> str:
    from flask import current_app

    return current_app.jinja_env.globals["actor_label"](user)


def _localtime(when) -> str:
    from flask import current_app

    return current_app.jinja_env.filters["localtime"](when)


def _claimed_message(task: HumanTask) -> str:
    return _("%(who)s claimed this task on %(when)s; your input was not saved. It can be done here once it is "
             "released.", who=actor_name(task.claimed_by), when=_localtime(task.claimed_at))


@bp.route("/")
@login_required
def index():
    """My tasks, 50 a page (keyset: `after`/`before`), with counts per type and a filter to one (`type`)."""
    page = listing.inbox_page(current_user, request.args)
    rows = present(page.rows, current_user.id, GROUP_ROLES, clock.now())
    return render_template("inbox/index.html", page=page, rows=rows, group=current_user.role in GROUP_ROLES)


def _task_for_user(task_id) -> HumanTask:
    # The task, its case, the case's saved state and its definition version in one query: the task page
    # needs all of them.
    # (A plain join, not joinedload: its aliases cost more Python per request than the query itself.)
    task = db.session.scalars(
        select(HumanTask).join(HumanTask.instance).join(ProcessInstance.bundle)
        .where(HumanTask.id == ident_or_404(task_id))
        .options(contains_eager(HumanTask.instance).options(undefer(ProcessInstance.state),
                                                            contains_eager(ProcessInstance.bundle)))).first()
    if task is None:
        abort(404)
    require(may_work_on(current_user, task))
    return task


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id):
    task = _task_for_user(task_id)
    if task.status != "open":  # a back-button resubmit, an old notification, a colleague's completion
        flash(_closed_message(task, submitted=request.method == "POST"), "error")
        return redirect(url_for("inbox.index"))
    runtime = Runtime(actor=current_user)  # the case is deserialised once: for the form and the completion
    data = service.task_data(task, runtime)
    ctx = service.context_for(current_user, task, data)
    form_class = form_class_for(task.form_key, ctx.properties)
    # The applicant's forms open with what it handed in before (a returned application keeps everything typed);
    # a reviewer who sees the case again decides again, in an empty form: its earlier round's comment, carried
    # in the case's data, was shown again and went in unnoticed with the opposite decision.
    initial = form_class.initial(data) if task.lane == "applicant" else {}
    form = form_class(data=initial) if request.method == "GET" else form_class()
    form.prepare(ctx)
    if request.method == "POST":
        if claim_blocks(current_user, task):
            flash(_claimed_message(task), "error")
            return redirect(url_for("inbox.task", task_id=task.id))
        if form.validate():
            instance_id, title, user_id = task.instance_id, task.title, current_user.id
            try:
                outcome = _complete_with_retry(task.id, form, runtime)
            except CommitUnconfirmed as exc:
                return _after_unconfirmed_commit(exc, int(task_id), user_id, instance_id, title)
            except TaskUnavailable:
                db.session.rollback()
                task = db.session.get(HumanTask, task.id)
                flash(_closed_message(task, submitted=True) if task.status != "open"
                      else _("Someone else changed this case at the same moment; your input was not saved. "
                             "Please look at the case again and resubmit."), "error")
                return redirect(url_for("inbox.index"))
            except Exception as exc:  # a diagram or service failed: nothing is saved, the user is told
                # In plain words for the user; the element, expression and engine message go to the case page.
                report_engine_fault(exc, trigger="task", instance_id=instance_id, step=title)
                return redirect(url_for("inbox.task", task_id=task_id))
            return outcome.say()
        flash(_("Please correct the marked fields."), "error")
    history = history_for(task.instance_id, current_user)
    # Instructions may quote the step's own properties (e.g. the panel size), so text and checks agree.
    instructions = render_instructions(service.documentation(task), {**data, "properties": ctx.properties})
    warning = render_text(ctx.properties.get("warning"), data)
    # Why the step is open: an office verb's note (sent back, withdrawn), then the diagram's `openedBecause`.
    because = sentences(note_text(data, task.task_guid), render_text(ctx.properties.get("openedBecause"), data))
    return render_template(
        form.template, task=task, form=form, ctx=ctx, data=data, history=history, subject=ctx.subject,
        instructions=instructions, warning=warning, because=because, now=clock.now(),
        read_only=claim_blocks(current_user, task), attachments=ctx.extra.get("attachments", []),
        runtime=runtime,
    ), (200 if request.method == "GET" or not form.errors else 422)


@dataclass
class Outcome:
    """What to tell the person after a completion, and where to send them."""

    message: str
    category: str
    url: str

    def say(self):
        flash(self.message, self.category)
        return redirect(self.url)


def _outcome(instance_id: int, title: str, runtime: Runtime | None = None) -> Outcome:
    """What happened and where the case stands now — worked out before the commit, from what this request
    already holds, so nothing is read again after it. If the case came straight back to this person (a
    failed eligibility check), open that step, with the diagram's reason for it."""
    instance = db.session.get(ProcessInstance, instance_id)
    open_rows = runtime.open_rows.get(instance_id) if runtime is not None else None
    if open_rows is None:  # not saved by this request (the commit went unconfirmed): ask the database
        open_rows = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.status == "open"))
    mine = [t for t in sorted(open_rows, key=lambda row: row.id)
            if may_work_on(current_user, t) and not claim_blocks(current_user, t)]
    if mine:
        back = mine[0]
        why = render_text(service.properties_of(back).get("openedBecause"), service.task_data(back, runtime))
        url = url_for("inbox.task", task_id=back.id)
        if why:  # the step reopened for a reason the diagram gives: a return, failed conditions
            return Outcome(_("Submitted: %(title)s. The case came back to you: %(next)s.", title=title,
                             next=back.title) + " " + why, "warning", url)
        return Outcome(_("Submitted: %(title)s. The next step is also yours: %(next)s.", title=title,
                         next=back.title), "success", url)
    if instance.status == "running":
        return Outcome(_("Submitted: %(title)s. The case is now at: %(step)s.", title=title,
                         step=instance.current_step or _("waiting")), "success", url_for("inbox.index"))
    return Outcome(_("Submitted: %(title)s. The case is closed.", title=title), "success", url_for("inbox.index"))


class CommitUnconfirmed(Exception):
    """The COMMIT was sent but no reply came (the connection broke, the server restarted): the completion
    may or may not be in the database."""


def _complete_with_retry(task_id: int, form, runtime: Runtime) -> Outcome:
    """Complete and commit; return what to tell the person. Another task of the same case completed at the
    same moment (two experts of one panel) bumps the case's version; then this one is tried once more on
    the fresh state — unless this very task is what the other writer completed."""
    for attempt in (1, 2):
        task = db.session.get(HumanTask, task_id)
        try:
            service.complete_task(current_user, task, form, runtime)
            db.session.flush()  # every change sent: a failure up to here leaves the database as it was
        except StaleDataError:
            db.session.rollback()
            if attempt == 2:
                raise TaskUnavailable("the case changed twice meanwhile") from None
            runtime = Runtime(actor=current_user)  # the fresh state, read anew
            continue
        outcome = _outcome(task.instance_id, task.title, runtime)
        try:
            db.session.commit()
        except Exception as exc:  # only COMMIT itself was left: whether it took effect is unknown
            raise CommitUnconfirmed(str(exc)) from exc
        return outcome
    raise AssertionError("unreachable")


def _after_unconfirmed_commit(error: CommitUnconfirmed, task_id: int, user_id: int, instance_id: int, title: str):
    """Ask the database, on a connection of its own, whether this person's completion of the step was
    stored, and say so truthfully: saved (go on as after any completion), not saved (try again), or — if
    the database cannot be asked yet — that it is not known."""
    log.error("no reply to the commit of task %s; checking whether it was stored", task_id, exc_info=error)
    safe_rollback()
    try:
        row = read_fresh(select(HumanTask.status, HumanTask.completed_by_id).where(HumanTask.id == task_id))
    except SQLAlchemyError:
        log.error("could not check whether task %s was stored", task_id, exc_info=True)
        flash(_("The connection to the database broke while saving, and whether your input was saved cannot be "
                "checked yet. Please look at My tasks in a few minutes: if the step is still there, submit it "
                "again."), "error")
        return redirect(url_for("inbox.index"))
    if row is not None and row.status == "completed" and row.completed_by_id == user_id:
        flash(_("The connection to the database broke while saving; checked: your input was saved. Do not "
                "submit it again."), "warning")
        try:
            return _outcome(instance_id, title).say()
        except SQLAlchemyError:  # the database went away again: what matters was said
            safe_rollback()
            return redirect(url_for("inbox.index"))
    flash(_("The connection to the database broke while saving; checked: nothing was saved. Please try again."),
          "error")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@login_required
def claim(task_id):
    task = _task_for_user(task_id)
    require(task.lane in GROUP_ROLES)
    try:
        service.claim(current_user, task)
        db.session.commit()
        flash(_("You claimed this task; colleagues see it as yours until you release it."), "success")
    except (TaskUnavailable, StaleDataError):
        db.session.rollback()
        task = db.session.get(HumanTask, task.id)
        flash(_claimed_message(task) if task.status == "open" and task.claimed_by_id else
              _closed_message(task, submitted=False), "error")
    return redirect(back_to(url_for("inbox.index")))


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
        flash(_("Only the person who claimed this task can release it."), "error")
    return redirect(url_for("inbox.index"))


@bp.route("/notifications")
@login_required
def notifications():
    """The person's notices, newest first. Reading them changes nothing (a GET never does: a prefetch, a
    crawler or a forged image link must not mark them read); marking read is the POST below."""
    items = db.session.scalars(
        select(Notification).where(Notification.user_id == current_user.id).order_by(Notification.id.desc()).limit(100)
    ).all()
    return render_template("inbox/notifications.html", items=items,
                           newest_unread=max((n.id for n in items if n.read_at is None), default=None))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    """Mark the person's own notices read (CSRF-checked like every POST): the one named by `notification`,
    or with `upto` all unread ones up to the newest that was on the page — not one that came in since."""
    def notice_id(name: str) -> int | None:
        value = request.form.get(name, "")
        if not value:
            return None
        if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
            abort(400)
        return int(value)

    one, upto = notice_id("notification"), notice_id("upto")
    if one is None and upto is None:
        abort(400)
    query = update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
    query = query.where(Notification.id == one) if one is not None else query.where(Notification.id <= upto)
    db.session.execute(query.values(read_at=clock.now()).execution_options(synchronize_session=False))
    db.session.commit()
    return redirect(url_for("inbox.notifications"))
