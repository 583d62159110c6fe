"""Moving running cases to a newer version of their process (issue 7, item 3).

A case keeps the version it started on (its serialized state embeds the spec). Where a change is
compatible — every step the case waits on (open user tasks, timers, message catches, joins, running
subprocesses, also inside subprocesses and call activities) still exists in the new version with the same
id, the same kind and, for user tasks, the same role — a designer may move it. Moving re-aligns the
workflow's tasks with SpiffWorkflow's own diff utilities (SpiffWorkflow/bpmn/util/diff.py: `diff_workflow`,
`migrate_workflow`), keeps the open human-task rows (same inbox, same due date, same claim), and records
who moved it, from which version to which, and why, in the case's audit trail.

Services flush, never commit: the route commits once. Each case is moved inside a savepoint, so a case
that fails or was changed meanwhile is refused while the others still move.
"""

from __future__ import annotations

import json
import logging
from copy import deepcopy
from dataclasses import dataclass, field
from uuid import UUID

from flask_babel import gettext as _
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from webapp.clock import clock
from webapp.engine import state as saved_state
from webapp.engine.definitions import latest_bundle, parsed_bundle
from webapp.engine.runtime import SERIALIZER, Runtime, lane_role, restore, task_properties
from webapp.extensions import db
from webapp.labels import N_
from webapp.models import AuditEvent, DefinitionBundle, HumanTask, ProcessInstance, User

from .outdated import outdated_bundle_ids
from .service import BPMN_KINDS

log = logging.getLogger(__name__)

MIGRATED = N_("migrated")  # the audit action; translated on the case page like the runtime's own actions
MAX_LISTED = 300  # each listed case is deserialised to check it; a page of this size stays quick

# What a case waits on: a person (READY user task), an event or a join (WAITING), a running subprocess.
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED
# Tasks that carry nothing forward: they may be dropped if the new version no longer has their step.
_DISPOSABLE = TaskState.CANCELLED | TaskState.PREDICTED_MASK | TaskState.FUTURE

# SpiffWorkflow's task-spec classes, as the BPMN element kinds the diff page names them.
_SPEC_KINDS = {
    "UserTask": "userTask", "ManualTask": "manualTask", "NoneTask": "task", "ServiceTask": "serviceTask",
    "ScriptTask": "scriptTask", "BusinessRuleTask": "businessRuleTask", "SendTask": "sendTask",
    "ReceiveTask": "receiveTask", "CallActivity": "callActivity", "SubWorkflowTask": "subProcess",
    "TransactionSubprocess": "subProcess", "StartEvent": "startEvent", "EndEvent": "endEvent",
    "IntermediateCatchEvent": "intermediateCatchEvent", "IntermediateThrowEvent": "intermediateThrowEvent",
    "BoundaryEvent": "boundaryEvent", "ExclusiveGateway": "exclusiveGateway", "ParallelGateway": "parallelGateway",
    "InclusiveGateway": "inclusiveGateway", "EventBasedGateway": "eventBasedGateway",
}


class MigrationRefused(Exception):
    """The case cannot be moved; `reasons` say why, in the user's language."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class Candidate:
    """A running case on an older version, and whether it can move to the target version."""

    instance: ProcessInstance
    from_version: int
    reasons: list[str] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not self.reasons


@dataclass
class MoveResult:
    target: DefinitionBundle
    moved: list[ProcessInstance] = field(default_factory=list)
    refused: list[tuple[ProcessInstance | None, list[str]]] = field(default_factory=list)


# --- which version, which cases -------------------------------------------------------------------------------

def target_bundle(process_id: str) -> DefinitionBundle | None:
    """The version cases are moved to: the newest, if it still has the process."""
    bundle = latest_bundle()
    return bundle if bundle is not None and process_id in bundle.process_ids else None


def processes_with_older_cases() -> list[tuple[str, str, int]]:
    """(process id, name, running cases on an older version of what they run than the newest) for every
    deployed process: a case whose process and tables are the same in the newest version is not counted."""
    bundle = latest_bundle()
    if bundle is None:
        return []
    names = parsed_bundle(bundle).names
    counts: dict[str, int] = {}
    rows = db.session.execute(
        select(ProcessInstance.process_id, ProcessInstance.bundle_id, db.func.count(ProcessInstance.id))
        .join(DefinitionBundle, DefinitionBundle.id == ProcessInstance.bundle_id)
        .where(ProcessInstance.status == "running", DefinitionBundle.version < bundle.version)
        .group_by(ProcessInstance.process_id, ProcessInstance.bundle_id)
    ).all()
    outdated = {pid: set(outdated_bundle_ids(pid, bundle)) for pid in {pid for pid, _b, _n in rows}}
    for pid, bundle_id, count in rows:
        if bundle_id in outdated[pid]:
            counts[pid] = counts.get(pid, 0) + count
    return [(pid, names.get(pid, pid), counts.get(pid, 0)) for pid in sorted(bundle.process_ids, key=lambda p: names.get(p, p))]


def _older_cases(process_id: str, target: DefinitionBundle):
    """The running cases of `process_id` on a version whose process (or a table it calls) differs from the
    target's; those on an older version of only other things are not behind."""
    return (select(ProcessInstance)
            .where(ProcessInstance.process_id == process_id, ProcessInstance.status == "running",
                   ProcessInstance.bundle_id.in_(outdated_bundle_ids(process_id, target))))


def candidates(process_id: str, target: DefinitionBundle) -> list[Candidate]:
    """The process's running cases on older versions, each checked against `target` (oldest cases first)."""
    rows = db.session.scalars(_older_cases(process_id, target).order_by(ProcessInstance.id).limit(MAX_LISTED)).all()
    found = []
    for instance in rows:
        try:
            reasons = problems(restore(instance), target, process_id) + queue_problems(instance, target)
        except Exception:  # a state that does not load cannot be moved; say so instead of failing the page
            log.exception("checking instance %s for migration", instance.id)
            reasons = [_("The case's saved state could not be read; it cannot be moved.")]
        found.append(Candidate(instance, instance.bundle.version, reasons))
    return found


def older_case_ids(process_id: str, target: DefinitionBundle) -> list[int]:
    return list(db.session.scalars(_older_cases(process_id, target).with_only_columns(ProcessInstance.id)))


# --- compatibility ----------------------------------------------------------------------------------------------

def _kind(spec) -> str:
    return _SPEC_KINDS.get(type(spec).__name__, type(spec).__name__)


def _step_name(spec, wf_spec) -> str:
    """What people call a step: its Chinese name; for a step the engine adds (a boundary split, a join) the
    name of the element it belongs to; never an id."""
    if getattr(spec, "bpmn_name", None):
        return spec.bpmn_name
    anchor = wf_spec.task_specs.get(spec.name.split(".", 1)[0]) if "." in spec.name else None
    if anchor is not None and getattr(anchor, "bpmn_name", None):
        return anchor.bpmn_name
    label = BPMN_KINDS.get(_kind(spec))
    return _("(an unnamed %(kind)s)", kind=label) if label else _("(an unnamed step)")


class _LazyName:
    """A step's name, looked up (and translated) only if a reason needs it."""

    def __init__(self, spec, wf_spec):
        self.spec, self.wf_spec = spec, wf_spec

    def __str__(self) -> str:
        return _step_name(self.spec, self.wf_spec)


def _workflows(wf) -> list:
    return [wf, *wf.subprocesses.values()]


def _new_spec_for(workflow, wf, new_spec, new_subprocess_specs):
    return new_spec if workflow is wf else new_subprocess_specs.get(workflow.spec.name)


def problems(wf, target: DefinitionBundle, process_id: str) -> list[str]:
    """Why `wf` cannot move to `target` (empty: it can). Steps are named by their Chinese names."""
    if process_id not in parsed_bundle(target).specs:
        return [_("The new version no longer has this process.")]
    new_spec, new_subprocess_specs = parsed_bundle(target).specs[process_id]
    reasons: list[str] = []
    for workflow in _workflows(wf):
        new = _new_spec_for(workflow, wf, new_spec, new_subprocess_specs)
        if new is None:
            # A subprocess or call activity the new version no longer defines: everything in it is gone.
            holder = wf.get_task_from_id(workflow.parent_task_id)
            name = _step_name(holder.task_spec, holder.workflow.spec) if holder is not None else workflow.spec.name
            reasons.append(_("“%(step)s”, which the case waits on, is no longer in the new version.", step=name)
                           if not workflow.completed else
                           _("“%(step)s”, which the case has already passed, was removed in the new version.", step=name))
            continue
        for task in workflow.tasks.values():
            spec = task.task_spec
            counterpart = new.task_specs.get(spec.name)
            name = _LazyName(spec, workflow.spec)
            if task.has_state(_WAITING):
                if counterpart is None:
                    reasons.append(_("“%(step)s”, which the case waits on, is no longer in the new version.", step=name))
                elif _kind(counterpart) != _kind(spec):
                    reasons.append(_("“%(step)s”, which the case waits on, is a different kind of step in the new "
                                     "version.", step=name))
                elif spec.manual and lane_role(spec.lane) != lane_role(counterpart.lane):
                    reasons.append(_("“%(step)s”, which the case waits on, is done by another role in the new "
                                     "version.", step=name))
            elif counterpart is None and not task.has_state(_DISPOSABLE):
                # A step in the case's history: its record in the state must find its step when loaded again.
                reasons.append(_("“%(step)s”, which the case has already passed, was removed in the new version.",
                                 step=name))
    return list(dict.fromkeys(reasons))


def queue_problems(instance: ProcessInstance, target: DefinitionBundle) -> list[str]:
    """Objections waiting in the case's queue need a version that takes them up (take_queued_objection):
    moved to one that does not, nothing would ever investigate them."""
    from webapp.notices.objections import diagram_takes_queued, queued_for

    if diagram_takes_queued(target, instance.process_id) or not queued_for(instance):
        return []
    return [_("Objections wait to be investigated in this case, and the new version does not take queued objections "
              "up (a service task take_queued_objection).")]


# --- moving -------------------------------------------------------------------------------------------------------

def _migrate(wf, new_spec, new_subprocess_specs) -> None:
    """Point every task at its step in the new version (SpiffWorkflow's diff and migration), keeping what
    the case waits for as it was: the same task ids (so inbox rows stay), their data, and the due dates
    timers already computed — `migrate_workflow` resets ready and waiting tasks, which would otherwise
    restart a timer from now and hand each task its parent's data."""
    kept = {task.id: (deepcopy(task.data), deepcopy(task.internal_data))
            for workflow in _workflows(wf) for task in workflow.tasks.values()
            if task.has_state(TaskState.READY | TaskState.WAITING)}
    top_diff, subprocess_diffs = diff_workflow(SERIALIZER.registry, wf, new_spec, new_subprocess_specs)
    migrate_workflow(top_diff, wf, new_spec)
    for sp_id, subprocess in list(wf.subprocesses.items()):
        migrate_workflow(subprocess_diffs[sp_id], subprocess, new_subprocess_specs[subprocess.spec.name])
    wf.subprocess_specs = new_subprocess_specs
    for workflow in _workflows(wf):
        for task in workflow.tasks.values():
            # A reset task would take its parent's data (losing, say, the expert a panel task is for) and
            # re-evaluate its timer from now; it goes on with what it had.
            if task.id in kept and task.has_state(TaskState.READY | TaskState.WAITING):
                task.data, task.internal_data = kept[task.id]
        # Cancelled branches and predictions of steps the new version dropped carry nothing forward.
        new = _new_spec_for(workflow, wf, new_spec, new_subprocess_specs)
        stale = [t for t in workflow.tasks.values() if new.task_specs.get(t.task_spec.name) is not t.task_spec]
        for task in stale:
            if task.id in workflow.tasks and task.parent is not None and task.has_state(_DISPOSABLE):
                workflow._remove_task(task.id)


def _lock(instance_id: int) -> ProcessInstance | None:
    """The case as it is now, locked for this transaction where the database can (PostgreSQL); its version
    column stops a concurrent writer everywhere."""
    return db.session.scalars(select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
                              .execution_options(populate_existing=True)).first()


def move(instance: ProcessInstance, target: DefinitionBundle, reason: str, user: User) -> None:
    """Move one case to `target`, or raise MigrationRefused and change nothing (the caller's savepoint)."""
    if instance.status != "running":
        raise MigrationRefused([_("The case is no longer running.")])
    from_version = instance.bundle.version
    if from_version >= target.version:
        raise MigrationRefused([_("The case already runs on this version or a newer one.")])
    runtime = Runtime(actor=user)
    wf = runtime.load(instance)
    reasons = problems(wf, target, instance.process_id) + queue_problems(instance, target)  # again, now
    if reasons:
        raise MigrationRefused(reasons)
    new_spec, new_subprocess_specs = parsed_bundle(target).specs[instance.process_id]
    open_before = {row.task_guid: row for row in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open"))}
    _migrate(wf, new_spec, new_subprocess_specs)
    saved_state.restore(saved_state.dump(wf), lambda: (new_spec, new_subprocess_specs))  # the moved state loads again
    instance.bundle_id = target.id
    instance.process_name = new_spec.description or instance.process_id
    # The runtime's own steps: run what became due, save the state, refresh the task rows and timers.
    runtime._advance(wf)
    runtime.save(instance, wf)
    runtime.run_deferred()  # a message the new version throws at once goes where the runtime sends messages
    _refresh_open_rows(wf, open_before)
    db.session.add(AuditEvent(
        instance_id=instance.id, actor_id=user.id, action=MIGRATED,
        # Language-neutral like the deploy's own title ("v3"); the reason is readable on the case page.
        title=f"v{from_version} → v{target.version}：{reason}"[:200],
        detail=json.loads(json.dumps({"from_version": from_version, "to_version": target.version, "reason": reason,
                                      "waiting": instance.current_step}, default=str)),
        at=clock.now(),
    ))
    db.session.flush()


def _refresh_open_rows(wf, open_before: dict[str, HumanTask]) -> None:
    """Rows still open keep their inbox, claim and due date; title and form follow the new version."""
    for guid, row in open_before.items():
        if row.status != "open":
            continue
        task = wf.get_task_from_id(UUID(guid))
        if task is None:
            continue
        row.title = (task.task_spec.bpmn_name or row.title)[:200]
        row.form_key = task_properties(task.task_spec).get("formKey", row.form_key)


def move_many(process_id: str, instance_ids: list[int], reason: str, user: User) -> MoveResult:
    """Move the chosen cases of `process_id` to its newest version, each on its own or not at all."""
    target = target_bundle(process_id)
    result = MoveResult(target=target)
    allowed = set(older_case_ids(process_id, target)) if target is not None else set()
    for instance_id in dict.fromkeys(instance_ids):
        instance = _lock(instance_id) if instance_id in allowed else None
        if instance is None or instance.process_id != process_id:
            result.refused.append((None, [_("The case is not a running case of this process on an older version.")]))
            continue
        try:
            with db.session.begin_nested():
                move(instance, target, reason, user)
        except MigrationRefused as exc:
            result.refused.append((instance, exc.reasons))
        except StaleDataError:
            result.refused.append((instance, [_("Someone else changed the case meanwhile; nothing was changed. "
                                                "Please try again.")]))
        except Exception:  # the engine could not continue the case on the new version: refuse, keep the rest
            log.exception("moving instance %s to version %s", instance_id, target.version)
            result.refused.append((instance, [_("The case could not be continued on the new version; nothing was "
                                                "changed.")]))
        else:
            result.moved.append(instance)
    return result
