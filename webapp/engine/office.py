"""The office verbs that move a case's engine state: 退回 (send back), 撤回 (withdraw a step) and withdrawing a
whole case. 转办 and 催办 change no engine state and live in webapp/office/.

Sending back and withdrawing use SpiffWorkflow's own rewind, `BpmnWorkflow.reset_from_task_id`: the earlier
task's branch is dropped (every task after it, open ones included, across parallel branches and
subprocesses) and the task becomes READY again with the same id. Its data is what it held when it was
completed (so a form reopens filled in; in a loop, with its own round's answers: see `_reset`) plus a
note saying who sent it back and why. A step sent back runs the diagram's `onReturn` script (e.g. a new
submission deadline), because a deadline that was already past would otherwise end the case the moment it
reopens. A step withdrawn by the person who completed it keeps the deadline it had (an application withdrawn
while its round is open may be handed in until the round closes, not 15 days from the withdrawal); once that
deadline has passed it cannot be withdrawn, since the reopened step could never be handed in again.

Which step may send back where is the diagram's `returnTo` property (comma-separated user task ids), never
Python. Like Runtime.complete these functions only flush; the caller commits once, and the instance's
version column stops a concurrent completion.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, ProcessInstance, User
from webapp.models.accounts import SEE_ALL_ROLES

from .runtime import Runtime, WorkflowError, find_task, lane_role, task_properties

RETURN_TO = "returnTo"
ON_RETURN = "onReturn"
NOTE = "office_note"  # task-data key of the note shown on a reopened step
# Audit actions that mean someone took up an open step (a claim, a hand-over): a withdrawal is too late then.
TAKEN_UP = ("claimed", "released", "transferred")
# Anything that moved or touched the case after a completion: the completion can no longer be taken back.
ACTED = ("completed", *TAKEN_UP, "returned", "step_withdrawn", "message", "cancelled", "withdrawn")
# The offices by their Chinese names, as the notes (written in Chinese, like the notices they go into) name
# them; the same words as the roles' entries in the catalogs.
ROLE_NAMES = {"applicant": "申报单位", "recommender": "推荐单位", "torch_center": "火炬中心", "expert": "评审专家",
              "approver": "科技厅"}
# Key in a completion's audit detail: why the step can never be taken back, known right after it (absent: the
# checks at the time decide).
TAKE_BACK = "cannot_withdraw"
# Why a step cannot be taken back: the case has come back to it (the step is open again for the same people), so
# nothing waits on anyone else and there is nothing to take back.
BACK_WITH_YOU = "back_with_you"
# Why not: the step's deadline has passed, so taken back it could not be handed in again (its timer would end
# the case at once).
DEADLINE_PASSED = "deadline_passed"


class Refused(WorkflowError):
    """The verb is not allowed here; `code` names why (the web layer words it in Chinese)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Target:
    spec_id: str
    title: str


def return_targets(properties: dict) -> list[str]:
    """The task ids a step may send the case back to (its `returnTo` property)."""
    return [part.strip() for part in (properties.get(RETURN_TO) or "").split(",") if part.strip()]


def _ancestors(task):
    """The tasks before this one on its path, nearest first, out of a subprocess into its parent."""
    while task is not None:
        node = task.parent
        while node is not None:
            yield node
            node = node.parent
        workflow = task.workflow
        parent_id = getattr(workflow, "parent_task_id", None)
        task = workflow.top_workflow.get_task_from_id(parent_id) if parent_id is not None else None


def _earlier(task, spec_id: str):
    """The nearest completed run of `spec_id` on this task's path (a loop may have run it several times)."""
    for node in _ancestors(task):
        if (node.task_spec.bpmn_id == spec_id or node.task_spec.name == spec_id) and node.state == TaskState.COMPLETED \
                and node.task_spec.manual:
            return node
    return None


def targets_for(instance: ProcessInstance, row: HumanTask, runtime: Runtime | None = None) -> list[Target]:
    """Where an open step may send its case back: its `returnTo` ids that the case has passed through.
    Deserialises the one instance (the task page does so anyway)."""
    wf = (runtime or Runtime()).peek(instance)
    task = find_task(wf, row.task_guid)
    if task is None or task.state != TaskState.READY:
        return []
    found = []
    for spec_id in return_targets(task_properties(task.task_spec)):
        earlier = _earlier(task, spec_id)
        if earlier is not None:
            found.append(Target(spec_id, earlier.task_spec.bpmn_name or spec_id))
    return found


def note_text(data: dict, task_guid: str) -> str:
    """Why a step reopened by an office verb is open again (empty unless the note is this task's)."""
    note = (data or {}).get(NOTE) or {}
    if note.get("task") != task_guid:
        return ""
    if note.get("verb") == "returned":
        # Who, as the step's people may know it: a note holds the person only for staff (`_returned_note`);
        # an older note named the person whoever the step was for, so it names nobody now.
        who = (note.get("by") or ROLE_NAMES.get(note.get("by_role"), "")) if "by_role" in note else ""
        return f"「{note.get('from', '')}」{f'由{who}' if who else ''}退回：{note.get('reason', '')}"
    if note.get("verb") == "withdrawn":
        return f"{note.get('by', '')}撤回了已提交的「{note.get('title', '')}」，可修改后重新提交。"
    return ""


def _reopen(wf, target, note: dict) -> None:
    """Reset the case to `target` with its completed data and the note; sent back (not withdrawn), with the
    diagram's `onReturn` script too."""
    data = deepcopy(target.data)
    data[NOTE] = {**note, "task": str(target.id)}
    script = task_properties(target.task_spec).get(ON_RETURN) if note.get("verb") == "returned" else None
    if script:
        before = dict(data)
        saved, target.data = target.data, data
        try:
            wf.script_engine.execute(target, script)
        finally:
            data, target.data = target.data, saved
        changed = {k: v for k, v in data.items() if k not in before or before[k] != v}
        # A boundary timer on the step restarts from its split's data, not the step's: give it the new values.
        split = target.parent
        if split is not None and type(split.task_spec).__name__ == "BoundaryEventSplit":
            split.data.update(deepcopy(changed))
    _reset(wf, target, data)


def _reset(wf, target, data: dict) -> None:
    """`reset_from_task_id` with `data` kept as the step's own. SpiffWorkflow's reset merges the parent's data
    into the task after setting it, as when a task is first reached, and the parent's values win: in a loop
    the parent holds the previous round's answers, so a form reopened with those (lists merged item by item
    and cut to the old length), and anywhere else a value the step had changed went back to the earlier one.
    Only that merge is skipped; the rest of the reset (data objects read in, a preScript) runs as before."""
    target._inherit_data = _keep_own_data  # on this one task, for this one call
    try:
        removed = wf.reset_from_task_id(target.id, data=data)
    finally:
        del target._inherit_data
    _forget_waits_of(wf, removed)


def _forget_waits_of(wf, removed) -> None:
    """SpiffWorkflow 3.2's reset takes the tasks after the step out of the tree but leaves those that were
    waiting (a boundary timer of a later round of a loop: the 逾期未提交 of an application the eligibility check
    sent back) registered with the workflow's event manager. The next `refresh_timers` updated such a task,
    whose parent was gone, and the verb failed ('NoneType' object has no attribute 'data'). A task taken out
    of the tree waits for nothing: unregister it, as the library does for a task that is cancelled."""
    manager = wf.top_workflow.event_manager
    for task in removed:
        manager.remove_task(task)


def _keep_own_data() -> None:
    """Stands in for Task._inherit_data during `_reset`."""


def send_back(runtime: Runtime, row: HumanTask, target_spec: str, reason: str) -> Target:
    """退回: the holder of an open step sends the case back to an earlier step its `returnTo` names."""
    instance = row.instance
    wf, task = runtime.ready_task(row)
    if target_spec not in return_targets(task_properties(task.task_spec)):
        raise Refused("return_not_allowed")
    target = _earlier(task, target_spec)
    if target is None:
        raise Refused("return_not_reached")
    title = target.task_spec.bpmn_name or target_spec
    actor = runtime.actor
    _reopen(wf, target, _returned_note(row.title, actor, lane_role(target.task_spec.lane) or "torch_center", reason))
    runtime._audit(instance, "returned", task_spec=row.task_spec, title=f"{row.title} → {title}"[:200],
                   detail={"from": row.task_spec, "from_title": row.title, "to": target_spec, "to_title": title,
                           "reason": reason})
    runtime._advance(wf)
    runtime.save(instance, wf)
    runtime.run_deferred()
    return Target(target_spec, title)


def _returned_note(title: str, actor: User | None, to_role: str, reason: str) -> dict:
    """The note on a step sent back to `to_role`'s lane (a step without a lane is the Torch Center's, as its
    task row says). It is read by the people of that step (its task page, the notice that it
    opened) and kept in the case's data: staff read their colleague's name, applicants, recommending units and
    experts the office that sent it back, as in every history they read. The audit event names the person."""
    note = {"verb": "returned", "from": title, "by_role": actor.role if actor else "", "reason": reason,
            "at": clock.now().isoformat()}
    if to_role in SEE_ALL_ROLES:
        note["by"] = _name(actor)
    return note


def withdrawable(row: HumanTask, user: User) -> str | None:
    """Cheap check from the indexed rows and the audit trail (nothing deserialised), for showing the button:
    None if the person who completed `row` may still withdraw it, else why not. Conservative: anything done
    on the case since (a completion, a claim, a hand-over, a message) ends the chance. `withdraw_step` then
    checks the engine state as well."""
    return withdrawable_rows([row], user)[row.id]


def withdrawable_rows(rows: list[HumanTask], user: User) -> dict[int, str | None]:
    """`withdrawable` for many rows (the inbox's "submitted by you") in six statements, however many rows."""
    why: dict[int, str | None] = {}
    mine = []
    for row in rows:
        if row.status != "completed" or row.completed_by_id != user.id:
            why[row.id] = "not_yours"
        else:
            mine.append(row)
    ids = list({row.instance_id for row in mine})
    if not ids:
        return why
    running = set(db.session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.id.in_(ids), ProcessInstance.status == "running")))
    # Counted from the completion's own audit event, not by time: a frozen or coarse clock gives ties.
    done = {(case, spec): last for case, spec, last in db.session.execute(
        select(AuditEvent.instance_id, AuditEvent.task_spec, func.max(AuditEvent.id)).where(
            AuditEvent.instance_id.in_(ids), AuditEvent.action == "completed", AuditEvent.actor_id == user.id)
        .group_by(AuditEvent.instance_id, AuditEvent.task_spec))}
    # What the engine said right after that completion (Runtime.complete): e.g. "automatic" when it ran
    # service tasks. Events written before it was recorded say nothing: the checks below decide alone.
    said = {event_id: (detail or {}).get(TAKE_BACK) for event_id, detail in db.session.execute(
        select(AuditEvent.id, AuditEvent.detail).where(AuditEvent.id.in_(list(done.values()))))}
    # A step completed again (submitted, returned, submitted anew) has older rows: only its newest may be
    # taken back.
    newest: dict[tuple[int, str], tuple] = {}
    for ident, case, spec, completed_at in db.session.execute(select(
            HumanTask.id, HumanTask.instance_id, HumanTask.task_spec, HumanTask.completed_at).where(
            HumanTask.instance_id.in_(ids), HumanTask.status == "completed", HumanTask.completed_by_id == user.id)):
        newest[(case, spec)] = max(newest.get((case, spec), (completed_at, ident)), (completed_at, ident))
    last_act = dict(db.session.execute(select(AuditEvent.instance_id, func.max(AuditEvent.id)).where(
        AuditEvent.instance_id.in_(ids), AuditEvent.action.in_(ACTED)).group_by(AuditEvent.instance_id)).all())
    open_rows: dict[int, list[tuple[int, int | None, str, int | None]]] = {}
    for case, ident, claimed, spec, assignee in db.session.execute(select(
            HumanTask.instance_id, HumanTask.id, HumanTask.claimed_by_id, HumanTask.task_spec,
            HumanTask.assignee_id).where(HumanTask.instance_id.in_(ids), HumanTask.status == "open")):
        open_rows.setdefault(case, []).append((ident, claimed, spec, assignee))
    now = clock.now()
    for row in mine:
        completion = done.get((row.instance_id, row.task_spec))
        waiting = [(spec, assignee) for ident, _claimed, spec, assignee in open_rows.get(row.instance_id, [])
                   if ident != row.id]
        others = [claimed for ident, claimed, _spec, _assignee in open_rows.get(row.instance_id, []) if ident != row.id]
        if row.instance_id not in running:
            why[row.id] = "closed"
        elif completion is None or newest[(row.instance_id, row.task_spec)][1] != row.id:
            why[row.id] = "moved_on"
        elif said.get(completion):
            why[row.id] = said[completion]
        elif last_act.get(row.instance_id, 0) > completion:
            why[row.id] = "taken_up"
        elif row.due_at is not None and row.due_at <= now:
            why[row.id] = DEADLINE_PASSED
        elif (row.task_spec, row.assignee_id) in waiting:
            # The same step is open again for the same people (a loop brought the case back to it): nothing waits
            # on anyone else. Other experts' reviews of one panel have other assignees.
            why[row.id] = BACK_WITH_YOU
        elif not others:
            why[row.id] = "moved_on"
        else:
            why[row.id] = "taken_up" if any(claimed is not None for claimed in others) else None
    return why


def why_not_take_back(task) -> str | None:
    """None if the completed engine `task` could be taken back now, else why not: the tasks after it must be
    untouched (no person completed one, no service task ran) and one of them must wait on a person. Its
    lasting answers are recorded right after a completion (`lasting_refusal`), so the inbox offers 撤回 only
    where it can work: a scored expert review among others still open, or a step whose completion ran the
    service tasks after it, can never be taken back, which the rows alone do not show."""
    after = list(task)[1:]
    if any(t.task_spec.manual and t.state == TaskState.COMPLETED for t in after):
        return "taken_up"
    if any(isinstance(t.task_spec, ServiceTask) and t.state == TaskState.COMPLETED for t in after):
        return "automatic"
    if any(t.task_spec is task.task_spec and t.state == TaskState.READY for t in after):
        return BACK_WITH_YOU  # the diagram looped back to the step (e.g. the eligibility check sent it back)
    if not any(t.task_spec.manual and t.state == TaskState.READY for t in after):
        return "moved_on"
    return None


def lasting_refusal(task) -> str | None:
    """`why_not_take_back` right after a completion, where nothing later can change it: service tasks ran
    ("automatic"), or nothing after the step is left to happen (one expert's score among a panel's). A step
    followed by a wait (a timer) is not counted: a person's step may still open after it."""
    why = why_not_take_back(task)
    if why == "automatic":
        return why
    if why == "moved_on" and all(t.state & TaskState.FINISHED_MASK for t in list(task)[1:]):
        return why
    return None


def withdraw_step(runtime: Runtime, row: HumanTask) -> None:
    """撤回: the person who completed `row` takes it back while nobody has acted on what came next. The tasks
    after it must be untouched: no person completed one, no service task ran (a published notice or a
    registry entry cannot be taken back silently), and the open ones are unclaimed."""
    why = withdrawable(row, runtime.actor)
    if why:
        raise Refused(why)
    instance = row.instance
    wf = runtime.load(instance)
    target = find_task(wf, row.task_guid)
    if target is None or target.state != TaskState.COMPLETED:
        raise Refused("moved_on")
    if why := why_not_take_back(target):
        raise Refused(why)
    _reopen(wf, target, {"verb": "withdrawn", "title": row.title, "by": _name(runtime.actor),
                         "at": clock.now().isoformat()})
    runtime._audit(instance, "step_withdrawn", task_spec=row.task_spec, title=row.title)
    runtime._advance(wf)
    if target.state != TaskState.READY:
        # Its deadline (an interrupting timer, which the rows may not show) had passed: the reopened step ended
        # at once. The caller rolls back; what was handed in stands.
        raise Refused(DEADLINE_PASSED)
    runtime.save(instance, wf)
    runtime.run_deferred()


def untouched_by_others(instance: ProcessInstance, lane: str) -> bool:
    """Nobody outside `lane` has acted on the case: no step of another role completed, none claimed or handed
    over (an application started by mistake, or submitted and not yet taken up)."""
    acted = db.session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id, HumanTask.lane != lane,
        (HumanTask.status == "completed") | HumanTask.claimed_by_id.is_not(None)).limit(1))
    if acted is not None:
        return False
    taken = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action.in_((*TAKEN_UP, "returned"))).limit(1))
    return taken is None


def withdraw_case(runtime: Runtime, instance: ProcessInstance, reason: str) -> None:
    """End the whole case as withdrawn by its applicant: every open step closes."""
    if instance.status != "running":
        raise Refused("closed")
    wf = runtime.load(instance)
    wf.cancel()
    runtime._audit(instance, "withdrawn", detail={"reason": reason})
    runtime.save(instance, wf, status="cancelled")


def _name(user: User | None) -> str:
    return (user.display_name or user.username) if user else ""
