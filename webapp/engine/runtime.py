"""Running instances: start, complete a task, deliver a message, fire due timers.

One Runtime serves one unit of work (a request or one sweep step). It only flushes: the caller commits
once, so the serialized engine state, the human-task rows and the audit event land together or not at
all. Concurrent writers are stopped by the instance's version column (optimistic locking).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, or_, select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import AuditEvent, DefinitionBundle, HumanTask, ProcessInstance, User

from . import state as saved_state
from .definitions import latest_bundle, parsed_bundle
from .faults import resolve as resolve_faults
from .faults import resolve_start as resolve_start_faults
from .sandbox import SandboxedDataEnvironment
from .walk import tasks_in

log = logging.getLogger(__name__)
SERIALIZER = saved_state.FULL  # SpiffWorkflow's own form (spec embedded): for diffs and old states
_LANE_ROLE = re.compile(r"\(([a-z_]+)\)\s*$")
MAX_CASCADE = 50


class WorkflowError(Exception):
    """Something the user can be told about (Chinese text comes from the caller's translation)."""


class TaskUnavailable(WorkflowError):
    """The task was completed, cancelled or taken by someone else meanwhile."""


class NotWaiting(WorkflowError):
    """A message was sent to an instance that is not waiting for it."""


def lane_parts(lane: str | None) -> tuple[str, str | None]:
    """A lane's name split as the diagrams write it: (its own words, the role in brackets at its end, if any):
    科技厅 (approver) → ("科技厅", "approver")."""
    match = _LANE_ROLE.search(lane or "")
    return ((lane or "")[:match.start()].strip(), match.group(1)) if match else ((lane or "").strip(), None)


def lane_role(lane: str | None) -> str | None:
    if not lane:
        return None
    words, role = lane_parts(lane)
    return role or words


def find_task(wf: BpmnWorkflow, guid: str | UUID):
    """The task with this id, in the case or any of its sub-processes; None if the case no longer has it
    (SpiffWorkflow's get_task_from_id raises instead, and gives up at the first sub-process without it)."""
    task_id = guid if isinstance(guid, UUID) else UUID(guid)
    for workflow in (wf, *wf.subprocesses.values()):
        task = workflow.tasks.get(task_id)
        if task is not None:
            return task
    return None


def task_properties(task_spec) -> dict:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}


def _as_datetime(value) -> datetime | None:
    from .waits import as_datetime

    return as_datetime(value)


@dataclass
class ServiceContext:
    """What a service task function in tasks/ may use."""

    runtime: Runtime
    instance: ProcessInstance
    task: object  # the SpiffWorkflow task

    @property
    def data(self) -> dict:
        return self.task.data

    @property
    def now(self) -> datetime:
        return clock.now()

    @property
    def session(self):
        return db.session


class AppScriptEngine(PythonScriptEngine):
    """Sandboxed expressions, and service tasks dispatched to the registry (filled by tasks/)."""

    def __init__(self, runtime: Runtime, instance: ProcessInstance):
        super().__init__(environment=SandboxedDataEnvironment())
        self.runtime = runtime
        self.instance = instance

    def call_service(self, task, operation_name, operation_params):  # noqa: D401
        from .services import registry

        params = {name: spec["value"] for name, spec in operation_params.items()}
        function = registry.get(operation_name)
        result = function(ServiceContext(self.runtime, self.instance, task), **params) or {}
        task.data.update(result)
        if task.task_spec.result_variable.startswith("spiff__"):
            # No result variable named in the diagram: the result is already in the data, key by key; a
            # second copy under SpiffWorkflow's default name would be carried in every later step's state.
            return "null"
        return json.dumps(result, default=str)


@dataclass
class Runtime:
    """One unit of work. It deserialises each case at most once: `peek` (reading, e.g. a form's context)
    and the change that follows share one workflow, kept here with the version it was read or saved at."""

    actor: User | None = None
    _deferred: list = field(default_factory=list)
    _depth: int = 0
    _busy: list = field(default_factory=list)
    _loaded: dict = field(default_factory=dict)  # instance id -> (lock_version, workflow as saved)
    open_rows: dict = field(default_factory=dict)  # instance id -> its inbox rows open after the last save

    def busy_instance_ids(self) -> list[int]:
        """Instances this unit of work is in the middle of changing (never cancel those from inside)."""
        return list(self._busy)

    # ---- public operations -------------------------------------------------------------------

    def start(
        self,
        process_id: str,
        *,
        subject_type: str,
        subject_id: int,
        organisation_id: int | None,
        unit_id: int | None,
        data: dict | None = None,
        start_token: str | None = None,
    ) -> ProcessInstance:
        """A new case of `process_id` on the newest definitions, run up to its first wait. `start_token`: the
        one-time token of the form that starts it (unique: the same form posted twice fails at the INSERT,
        before any of the diagram runs)."""
        bundle = latest_bundle()
        if bundle is None or process_id not in bundle.process_ids:
            raise WorkflowError(f"process {process_id} is not deployed")
        spec, subprocess_specs = parsed_bundle(bundle).specs[process_id]
        instance = ProcessInstance(
            bundle_id=bundle.id,
            process_id=process_id,
            process_name=spec.description or process_id,
            subject_type=subject_type,
            subject_id=subject_id,
            subject_title=_subject_title(subject_type, subject_id),
            organisation_id=organisation_id,
            unit_id=unit_id,
            status="running",
            state="{}",
            serializer_version=SERIALIZER_VERSION,
            created_at=clock.now(),
            start_token=start_token,
        )
        db.session.add(instance)
        db.session.flush()
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=AppScriptEngine(self, instance))
        self._busy.append(instance.id)
        for task in tasks_in(wf, TaskState.READY):
            task.set_data(**(data or {}))
        self._audit(instance, "started", detail={"data": data or {}})
        self._advance(wf)
        self.save(instance, wf)
        resolve_start_faults(process_id)
        self.run_deferred()
        return instance

    def ready_task(self, human_task: HumanTask):
        """The case's workflow and the engine task behind an open inbox row, still ready to be worked on."""
        if human_task.status != "open":
            raise TaskUnavailable("task is no longer open")
        wf = self.load(human_task.instance)
        task = find_task(wf, human_task.task_guid)
        if task is None or task.state != TaskState.READY:
            raise TaskUnavailable("task is no longer ready")
        return wf, task

    def complete(self, human_task: HumanTask, data: dict) -> None:
        instance = human_task.instance
        wf, task = self.ready_task(human_task)
        task.set_data(**data)
        task.run()
        human_task.status = "completed"
        human_task.completed_at = clock.now()
        human_task.completed_by_id = self.actor.id if self.actor else None
        event = self._audit(instance, "completed", task_spec=human_task.task_spec, title=human_task.title,
                            detail={"data": data})
        self._advance(wf)
        from .office import TAKE_BACK, lasting_refusal

        if why := lasting_refusal(task):  # recorded for the inbox's 撤回, which reads no workflow
            event.detail = {**event.detail, TAKE_BACK: why}
        self.save(instance, wf)
        self.run_deferred()

    def send_message(self, instance: ProcessInstance, name: str, payload: dict | None = None) -> None:
        if instance.status != "running":
            raise NotWaiting(name)
        wf = self.load(instance)
        self._advance(wf)  # first catch up with the clock: a notice that has ended takes no objection
        caught_by = _catching_event_name(wf, name)  # before the event: then the waiting task is done
        try:
            wf.send_event(BpmnEvent(MessageEventDefinition(name), payload=payload or {}))
        except WorkflowException:
            self._busy.remove(instance.id)
            raise NotWaiting(name) from None
        # The history says what the diagram calls it (收到异议), not the message's identifier (objection).
        self._audit(instance, "message", title=caught_by or name, detail={"message": name, "payload": payload or {}})
        self._advance(wf)
        self.save(instance, wf)
        self.run_deferred()

    def fire_due_timers(self, instance: ProcessInstance) -> bool:
        """Fire what is due; False, with nothing written, when nothing was (another sweeper got there
        first, or the index was stale): a history reading 定时触发 with nothing behind it misleads."""
        wf = self.load(instance)
        before = _waiting_marks(wf)
        self._advance(wf)
        after = _waiting_marks(wf)
        # A wait that ended, or a cycle timer that moved on to its next occurrence (it stays WAITING).
        fired = [name for guid, (name, mark) in before.items() if guid not in after or (mark and after[guid][1] != mark)]
        if not fired:
            from .waits import next_timer, waits

            due = next_timer(waits(wf))
            if due != instance.next_timer_at:  # a stale index entry: correct it, or it comes due again
                instance.next_timer_at = due
                db.session.flush()
            self._busy.remove(instance.id)
            return False
        # The history names what came due (e.g. 公示中, 下一报送期开始), not just "a timer".
        self._audit(instance, "timer", title="、".join(dict.fromkeys(n for n in fired if n))[:200],
                    detail={"fired": len(fired)})
        self.save(instance, wf)
        self.run_deferred()
        return True

    def cancel(self, instance: ProcessInstance, reason: str) -> None:
        if instance.status != "running":
            return
        wf = self.load(instance)
        wf.cancel()
        self._audit(instance, "cancelled", detail={"reason": reason})
        self.save(instance, wf, status="cancelled")

    # ---- deferred work between instances ----------------------------------------------------

    def defer_message(self, instance_id: int, name: str, payload: dict | None = None) -> None:
        """Deliver a message to another instance after the current one is saved."""
        self._deferred.append(("message", instance_id, name, payload))

    def defer_start(self, process_id: str, **kwargs) -> None:
        self._deferred.append(("start", process_id, kwargs))

    def run_deferred(self) -> None:
        """Deliver the messages and starts queued while saving (the public entry is for callers that
        change the registry outside an instance, e.g. registering a space in demo data or tests)."""
        if self._depth > MAX_CASCADE:
            raise WorkflowError("too many cascading workflow events")
        while self._deferred:
            item = self._deferred.pop(0)
            self._depth += 1
            try:
                if item[0] == "message":
                    _, instance_id, name, payload = item
                    self.send_message(db.session.get(ProcessInstance, instance_id), name, payload)
                elif item[0] == "route":
                    _, source_id, name, payload = item
                    self._route(db.session.get(ProcessInstance, source_id), name, payload)
                else:
                    _, process_id, kwargs = item
                    callback = kwargs.pop("on_started", None)
                    started = self.start(process_id, **kwargs)
                    if callback:
                        callback(started)
            finally:
                self._depth -= 1

    def _route(self, source: ProcessInstance, name: str, payload: dict) -> None:
        """Deliver a message a diagram threw: first to an instance of the same subject that waits for it,
        else by starting the process whose message start event it names (on the newest definitions)."""
        waiting = db.session.scalars(
            select(ProcessInstance).where(
                ProcessInstance.subject_type == source.subject_type,
                ProcessInstance.subject_id == source.subject_id,
                ProcessInstance.status == "running",
                ProcessInstance.id != source.id,
            ).order_by(ProcessInstance.id)
        )
        for target in list(waiting):
            try:
                self.send_message(target, name, payload)
                return
            except NotWaiting:
                continue
        starters = parsed_bundle(latest_bundle()).message_starts.get(name, [])
        if not starters:
            raise WorkflowError(f"no process is waiting for message {name!r}")
        for process_id in starters:
            started = self.start(process_id, subject_type=source.subject_type, subject_id=source.subject_id,
                                 organisation_id=source.organisation_id, unit_id=source.unit_id, data=payload)
            self.send_message(started, name, payload)

    # ---- loading and saving ----------------------------------------------------------------

    def load(self, instance: ProcessInstance) -> BpmnWorkflow:
        """The case's workflow, to change: the caller saves it (or the unit of work is given up)."""
        self._busy.append(instance.id)
        return self._take(instance)

    def peek(self, instance: ProcessInstance) -> BpmnWorkflow:
        """The case's workflow, to read only; a later load() in this unit of work gets the same one."""
        wf = self._take(instance)
        self._loaded[instance.id] = (instance.lock_version, wf)
        return wf

    def _take(self, instance: ProcessInstance) -> BpmnWorkflow:
        # Taken out of the cache: a change that fails half-way must not leave a half-changed workflow there.
        version, wf = self._loaded.pop(instance.id, (None, None))
        if wf is None or version != instance.lock_version:
            wf = restore(instance)
        wf.script_engine = AppScriptEngine(self, instance)
        return wf

    @staticmethod
    def _advance(wf: BpmnWorkflow) -> None:
        # do_engine_steps ends by refreshing timers, which may make more engine tasks READY.
        for _ in range(1000):
            wf.do_engine_steps()
            if not tasks_in(wf, TaskState.READY, manual=False):
                return
        raise WorkflowError("the process did not settle (endless loop in the diagram?)")

    def save(self, instance: ProcessInstance, wf: BpmnWorkflow, status: str | None = None) -> None:
        """Write back a workflow taken with `load` and changed: its state, the timer index, the current step,
        the task rows and their notices (every operation here ends with it; the office verbs, a designer's
        migration and holidays moving a notice's end change a case outside an operation and end with it too)."""
        for event in wf.get_events():  # messages thrown to other instances (not kept in the state)
            if isinstance(event.event_definition, MessageEventDefinition):
                self._deferred.append(("route", instance.id, event.event_definition.name, event.payload or {}))
        from .pruning import prune
        from .task_rows import sync_human_tasks
        from .waits import next_timer, waits

        prune(wf)
        # Every column of the case is set before anything is flushed, so the row is written once (one
        # UPDATE, one version bump) together with its task rows, not once per autoflush.
        with db.session.no_autoflush:
            instance.state = saved_state.dump(wf)
            instance.serializer_version = SERIALIZER_VERSION
            instance.status = status or ("completed" if wf.is_completed() else "running")
            pending = waits(wf) if instance.status == "running" else []
            instance.next_timer_at = next_timer(pending)
            instance.updated_at = clock.now()
            _, self.open_rows[instance.id] = sync_human_tasks(instance, wf, pending)
            resolve_faults(instance)  # the case moved again: an earlier fault no longer holds it up
        db.session.flush()
        self._loaded[instance.id] = (instance.lock_version, wf)
        if instance.id in self._busy:
            self._busy.remove(instance.id)

    def _audit(self, instance, action, task_spec=None, title="", detail=None) -> AuditEvent:
        event = AuditEvent(instance_id=instance.id, actor_id=self.actor.id if self.actor else None, action=action,
                           task_spec=task_spec, title=title, detail=json.loads(json.dumps(detail or {}, default=str)),
                           at=clock.now())
        db.session.add(event)
        return event


def _catching_event_name(wf: BpmnWorkflow, message: str) -> str | None:
    """The name the diagram gives the event that waits for `message` now, if it gives one."""
    for task in tasks_in(wf, TaskState.WAITING):
        if named := message_event_name(task.task_spec, message):
            return named
    return None


def message_event_name(spec, message: str) -> str | None:
    """The name of the event `spec` catches `message` with, if it does and the diagram names it. An event-based
    gateway waits for its outgoing events itself (SpiffWorkflow moves their definitions into its own, in the
    order of its outputs): the name is then the catching event's, after the gateway."""
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition) and definition.name == message:
        return spec.bpmn_name or None
    for index, inner in enumerate(getattr(definition, "event_definitions", None) or []):
        if isinstance(inner, MessageEventDefinition) and inner.name == message:
            outputs = getattr(spec, "outputs", [])
            return (outputs[index].bpmn_name if index < len(outputs) else None) or spec.bpmn_name or None
    return None


def restore(instance: ProcessInstance) -> BpmnWorkflow:
    """A case's workflow from its saved state, its process definition from the parsed-once cache (the
    bundle named by bundle_id: a case moved to a newer version reads the new one at once)."""
    def specs():
        bundle = db.session.get(DefinitionBundle, instance.bundle_id)
        return parsed_bundle(bundle).specs[instance.process_id]

    return saved_state.restore(instance.state, specs)


def _subject_title(subject_type: str, subject_id: int) -> str:
    subject = ProcessInstance.load_subject(subject_type, subject_id)
    return (getattr(subject, "space_name", None) or getattr(subject, "name", "") or "")[:200]


def due_instances(now: datetime, limit: int = 100, after: tuple[datetime, int] | None = None
                  ) -> list[tuple[int, datetime]]:
    """(id, due time) of instances whose earliest timer is due, earliest first, the page after `after` —
    ids only, read from the index: the sweeper claims and loads each in a transaction of its own, so a
    list that went stale meanwhile does no harm. Strictly before `now`: SpiffWorkflow fires a timer only
    once its time has passed."""
    query = select(ProcessInstance.id, ProcessInstance.next_timer_at).where(
        ProcessInstance.status == "running", ProcessInstance.next_timer_at < now)
    if after is not None:
        due_at, instance_id = after
        query = query.where(or_(ProcessInstance.next_timer_at > due_at,
                                and_(ProcessInstance.next_timer_at == due_at, ProcessInstance.id > instance_id)))
    rows = db.session.execute(query.order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(limit))
    return [(row.id, row.next_timer_at) for row in rows]


def _waiting_marks(wf: BpmnWorkflow) -> dict[str, tuple[str, str]]:
    """Each task waiting on a timer: the timer's name, and for a cycle timer where its cycle stands. Other waits
    (a message boundary event a timer cancels on its way) are not timers firing: the history read 定时触发
    收到异议、公示中 at a notice's end, as if an objection had come."""
    marks = {}
    for task in tasks_in(wf, TaskState.WAITING):
        name = _timer_name(task.task_spec)
        if name is None:
            continue
        value = task._get_internal_data("event_value")
        mark = json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict) else ""
        marks[str(task.id)] = (name, mark)
    return marks


def _timer_name(spec) -> str | None:
    """The name of the timer `spec` waits on ("" unnamed), or None when it waits on no timer. An event-based
    gateway holds its outgoing events' definitions, in the order of its outputs: the timer's own name is the
    catching event's after the gateway."""
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return spec.bpmn_name or ""
    for index, inner in enumerate(getattr(definition, "event_definitions", None) or []):
        if isinstance(inner, TimerEventDefinition):
            outputs = getattr(spec, "outputs", [])
            return (outputs[index].bpmn_name if index < len(outputs) else None) or spec.bpmn_name or ""
    return None
