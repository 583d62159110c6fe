"""Who may use which office verb, and the verbs themselves as one unit of work each (flush only; the route
commits once). Engine state is changed by webapp/engine/office.py; transfer and urge change only rows.

Each verb touches its case's row (`updated_at`), so the instance's version column decides between a verb and
a completion (or a second verb) made at the same moment: one wins, the other is told the case changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from forms.recognition import APPLICATION_FORM
from webapp.access import claim_blocks, may_view_instance, may_work_on, users_for_task
from webapp.clock import CHINA, clock
from webapp.engine import office
from webapp.engine.runtime import Runtime, TaskUnavailable
from webapp.engine.sandbox import deadline_day
from webapp.extensions import db
from webapp.models import Application, AuditEvent, HumanTask, ProcessInstance, User
from webapp.models.accounts import GROUP_ROLES
from webapp.notifications import notify

# Staff who follow cases and may urge their open steps; a recommender only its own unit's cases.
URGERS = ("torch_center", "approver", "recommender")
REASON_MAX = 500

REFUSALS = {
    "return_not_allowed": _l("This step cannot send the case back there: the procedure names the steps each step "
                             "may return to."),
    "return_not_reached": _l("The case has not passed through that step, so it cannot be sent back there."),
    "not_yours": _l("Only the person who completed this step can withdraw it."),
    "closed": _l("The case has ended; nothing can be withdrawn or sent back."),
    "moved_on": _l("The case has moved on since, so this step can no longer be withdrawn."),
    "taken_up": _l("Someone has already taken up the next step, so this step can no longer be withdrawn. Ask them "
                   "to send it back if it needs changing."),
    "automatic": _l("The system has already acted on this step (for example, a notice was published or a record "
                    "was written), so it can no longer be withdrawn."),
    office.BACK_WITH_YOU: _l("This step has already come back to you (it did not pass a check, or it was sent back), "
                             "so nobody else is handling it and there is nothing to withdraw. Open it in your inbox, "
                             "change it and submit it again."),
    office.DEADLINE_PASSED: _l("The deadline of this step has passed, so it can no longer be withdrawn: taken back, "
                               "it could not be handed in again in time. What you handed in stands."),
}


class Refusal(Exception):
    """A verb refused with a message for the person (already in their language)."""


def _refused(exc: office.Refused) -> Refusal:
    return Refusal(str(REFUSALS.get(exc.code, exc.code)))


def _reason(text: str | None, required: bool = True) -> str:
    reason = (text or "").strip()
    if required and not reason:
        raise Refusal(str(_l("Please give a reason; the person who receives the case reads it.")))
    if len(reason) > REASON_MAX:
        raise Refusal(str(_l("The reason is too long (at most %(n)s characters).", n=REASON_MAX)))
    return reason


def _touch(instance: ProcessInstance) -> None:
    """Bump the case's version: a completion or another verb at the same moment then fails at commit."""
    instance.updated_at = clock.now()
    db.session.flush()


def _audit(user: User, task: HumanTask, action: str, detail: dict) -> None:
    db.session.add(AuditEvent(instance_id=task.instance_id, actor_id=user.id, action=action, task_spec=task.task_spec,
                              title=task.title, detail=detail, at=clock.now()))


# ---- what a page offers --------------------------------------------------------------------------------------


@dataclass
class TaskActions:
    """The verbs the task page offers to the person looking at an open task."""

    targets: list = field(default_factory=list)       # 退回: earlier steps (office.Target)
    colleagues: list = field(default_factory=list)    # 转办: who it may go to


def task_actions(user: User, task: HumanTask, runtime=None) -> TaskActions:
    """`runtime`: the page's own (webapp/inbox/routes.py), which already read the case for the form."""
    if task.status != "open" or not may_work_on(user, task) or claim_blocks(user, task):
        return TaskActions()
    return TaskActions(targets=office.targets_for(task.instance, task, runtime or None),
                       colleagues=transfer_candidates(user, task))


def may_urge(user: User, instance: ProcessInstance) -> bool:
    if user.role not in URGERS or not may_view_instance(user, instance):
        return False
    return user.role != "recommender" or (instance.unit_id is not None and instance.unit_id == user.unit_id)


def urgeable(user: User, instance: ProcessInstance) -> list[HumanTask]:
    """The open steps of a case this person may urge (not those waiting on the person itself)."""
    if instance.status != "running" or not may_urge(user, instance):
        return []
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open").order_by(HumanTask.id)).all()
    return [r for r in rows if not may_work_on(user, r)]


def withdrawable_rows(user: User, limit: int = 10) -> list[HumanTask]:
    """Steps this person completed lately that may still be withdrawn (the inbox lists them, with their case):
    five statements however many there are."""
    since = clock.now() - timedelta(days=30)
    rows = db.session.scalars(select(HumanTask).options(joinedload(HumanTask.instance)).where(
        HumanTask.completed_by_id == user.id, HumanTask.status == "completed", HumanTask.completed_at >= since)
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(limit)).all()
    why = office.withdrawable_rows(rows, user)
    return [r for r in rows if why[r.id] is None]


def may_withdraw_application(user: User, application: Application) -> bool:
    return (user.role == "applicant" and application.organisation_id == user.organisation_id
            and application.status in ("draft", "in_review") and application.instance is not None
            and application.instance.status == "running")


def withdrawal(application: Application) -> str | None:
    """Why the applicant may withdraw (give up) its running application now, or None: "untouched" (started by
    mistake, or submitted and not yet taken up) or "returned" (sent back: the case waits only on the applicant's
    application form). An application whose open steps include anyone else's, or the applicant's supplement to
    a review the Torch Center holds open, has been taken up and cannot be withdrawn."""
    instance = application.instance
    if instance is None or instance.status != "running":
        return None
    if office.untouched_by_others(instance, "applicant"):
        return "untouched"
    open_rows = db.session.execute(select(HumanTask.lane, HumanTask.form_key, HumanTask.claimed_by_id).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open")).all()
    if open_rows and all(lane == "applicant" for lane, _key, _claimed in open_rows) \
            and any(key == APPLICATION_FORM for _lane, key, _claimed in open_rows):
        return "returned"
    if _resubmitted_untaken(instance) and not any(claimed for _lane, _key, claimed in open_rows):
        return "untouched"  # handed in again after a return, and nobody has taken it up since
    return None


def _resubmitted_untaken(instance: ProcessInstance) -> bool:
    """The last thing anyone did on the case was the applicant handing its application form in (again)."""
    last = db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action.in_(office.ACTED))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None or last.action != "completed" or last.actor is None or last.actor.role != "applicant":
        return False
    return db.session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id, HumanTask.task_spec == last.task_spec,
        HumanTask.form_key == APPLICATION_FORM).limit(1)) is not None


# ---- the verbs ----------------------------------------------------------------------------------------------


def send_back(user: User, task: HumanTask, target: str, reason_text: str | None) -> office.Target:
    """退回. The caller has checked `may_work_on`."""
    reason = _reason(reason_text)
    if claim_blocks(user, task):
        raise Refusal(str(_l("A colleague holds this step; only they can send the case back.")))
    try:
        return office.send_back(Runtime(actor=user), task, target, reason)
    except office.Refused as exc:
        raise _refused(exc) from None


def withdraw_step(user: User, task: HumanTask) -> None:
    """撤回 one's own completed step."""
    try:
        office.withdraw_step(Runtime(actor=user), task)
    except office.Refused as exc:
        raise _refused(exc) from None
    subject = task.instance.subject
    if task.form_key == APPLICATION_FORM and isinstance(subject, Application) and subject.status == "in_review":
        subject.status = "draft"  # the submission is taken back: a draft again until submitted anew


def withdraw_application(user: User, application: Application, reason_text: str | None) -> None:
    """An applicant withdraws its application (started by mistake, or submitted and not yet taken up):
    the case ends as withdrawn."""
    reason = _reason(reason_text, required=False)
    if not may_withdraw_application(user, application):
        raise Refusal(str(_l("This application can no longer be withdrawn: it has been decided or has ended.")))
    instance = application.instance
    why = withdrawal(application)
    if why is None:
        raise Refusal(str(_l("The recommending unit or the Torch Center has already acted on this application, so it "
                             "can no longer be withdrawn. Ask them to send it back, or to decline it.")))
    waiting = [u for row in db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open", HumanTask.lane != "applicant"))
        for u in users_for_task(row)]
    # A returned application waits on nobody else; those who handled it and sent it back learn it will not
    # come back.
    handled = _handled_by_others(instance) if why == "returned" else []
    try:
        office.withdraw_case(Runtime(actor=user), instance, reason)
    except office.Refused as exc:
        raise _refused(exc) from None
    application.status = "withdrawn"
    application.outcome_reason = reason
    link = f"/applications/{application.id}"
    for person in {u.id: u for u in waiting}.values():  # those it was waiting on need not look at it any more
        notify(person, f"申报「{application.space_name}」已由申报单位撤回，无需再办理。", link)
    for person in {u.id: u for u in handled}.values():
        notify(person, f"申报「{application.space_name}」被退回后，申报单位已将其撤回，放弃本次申报，案件已结束。", link)


def _handled_by_others(instance: ProcessInstance) -> list[User]:
    """The people outside the applicant's lane who completed a step of the case or sent it back."""
    completed = select(HumanTask.completed_by_id).where(
        HumanTask.instance_id == instance.id, HumanTask.lane != "applicant", HumanTask.status == "completed")
    returned = select(AuditEvent.actor_id).where(AuditEvent.instance_id == instance.id, AuditEvent.action == "returned")
    return list(db.session.scalars(select(User).where(
        User.id.in_(completed.union(returned).scalar_subquery()), User.role != "applicant", User.active.is_(True))))


def transfer_candidates(user: User, task: HumanTask) -> list[User]:
    """Colleagues of the same role and scope (organisation, unit) who may take the step over."""
    if task.assignee_id is not None:
        return []
    query = select(User).where(User.role == task.lane, User.active.is_(True), User.id != user.id)
    if task.lane == "applicant":
        query = query.where(User.organisation_id == task.organisation_id)
    elif task.lane == "recommender":
        query = query.where(User.unit_id == task.unit_id)
    elif task.lane not in GROUP_ROLES:
        return []
    return list(db.session.scalars(query.order_by(User.display_name, User.id)))


def transfer(user: User, task: HumanTask, colleague_id, note_text: str | None) -> User:
    """转办: hand an open step to a named colleague, who then holds it (as a claim) and is told."""
    note = _reason(note_text, required=False)
    if task.status != "open":
        raise TaskUnavailable("task is no longer open")
    if task.assignee_id is not None:
        raise Refusal(str(_l("This step is assigned to you by name (an expert's review); it cannot be transferred. "
                             "Tell the Torch Center if you cannot do it.")))
    if claim_blocks(user, task):
        raise Refusal(str(_l("A colleague holds this step; only they can transfer it.")))
    try:
        colleague_id = int(colleague_id)
    except (TypeError, ValueError):
        colleague_id = None
    if colleague_id is None:  # nobody chosen (or a value no list offers): say what to do, not who may be chosen
        raise Refusal(str(_l("Please choose a colleague to transfer the step to.")))
    if colleague_id == user.id:
        raise Refusal(str(_l("You cannot transfer a step to yourself; please choose a colleague.")))
    colleague = next((u for u in transfer_candidates(user, task) if u.id == colleague_id), None)
    if colleague is None:
        raise Refusal(str(_l("A step can only be transferred to an active colleague of the same role and the same "
                             "unit or organisation.")))
    taken = db.session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "open",
                                or_(HumanTask.claimed_by_id.is_(None), HumanTask.claimed_by_id == user.id))
        .values(claimed_by_id=colleague.id, claimed_at=clock.now()).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise TaskUnavailable("taken meanwhile")
    db.session.refresh(task)
    _touch(task.instance)
    _audit(user, task, "transferred", {"from": user.display_name, "to": colleague.display_name,
                                       "to_id": colleague.id, "note": note})
    text = f"转办：{user.display_name}将「{task.title}」（{task.instance.subject_title}）转交您办理"
    notify(colleague, text + (f"。说明：{note}" if note else "。"), f"/tasks/{task.id}")
    return colleague


def urge(user: User, task: HumanTask) -> list[User]:
    """催办: remind the people an open step waits on, in the app and by mail, at most once a day per step.
    The caller has checked `may_urge` for the case."""
    if task.status != "open" or task.instance.status != "running":
        raise TaskUnavailable("task is no longer open")
    if may_work_on(user, task):
        raise Refusal(str(_l("This step waits on you (or your group); there is no one else to urge.")))
    today = clock.now().astimezone(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    earlier = [e for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == task.instance_id, AuditEvent.action == "urged",
        AuditEvent.task_spec == task.task_spec, AuditEvent.at >= today).order_by(AuditEvent.id))
        if (e.detail or {}).get("task_id") == task.id]
    if earlier:
        from flask import current_app

        when = current_app.jinja_env.filters["localtime"](earlier[0].at)
        who = earlier[0].actor.display_name if earlier[0].actor else ""
        raise Refusal(str(_l("This step was already urged today (by %(who)s, %(when)s). A step can be urged once a "
                             "day; try again tomorrow.", who=who, when=when)))
    people = [task.claimed_by] if task.claimed_by_id else users_for_task(task)
    if not people:
        raise Refusal(str(_l("Nobody can be reached for this step; tell the Torch Center.")))
    _touch(task.instance)
    text = f"催办：{user.display_name}催办「{task.title}」（{task.instance.subject_title}），请尽快办理"
    if task.due_at:
        text += f"，办理期限 {deadline_day(task.due_at)}"
    for person in people:
        notify(person, text + "。", f"/tasks/{task.id}")  # mailed by the sweeper's outbox, like every notice
    _audit(user, task, "urged", {"task_id": task.id, "to": [p.display_name for p in people]})
    return people
