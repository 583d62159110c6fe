"""A diagram that fails on a real case, described for the people who can fix it (issue 7, item 5).

`describe(exc)` reads only the engine's objects — the exception, the SpiffWorkflow task it carries or that
its traceback ran, the expression or script being evaluated — and never queries the database, so a
caller takes it *before* rolling the failed action back. `record()` stores it afterwards (it only flushes:
the caller commits it as a transaction of its own, so the fault is the failed action's only trace).
The runtime calls `resolve()` whenever it saves an instance: a case that advanced again is no longer
held up by its earlier fault.

Nothing here imports routes or services; the web layer's helper is `webapp.views.report_engine_fault`,
the sweeper's is in tasks/sweep.py.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from types import FrameType

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, update

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import ProcessFault, ProcessInstance

# What the person (or the sweeper) was doing when the diagram failed.
TRIGGERS = ("task", "timer", "message", "start")

# SpiffWorkflow's wording for a failed condition, timer, parameter or DMN cell (python_engine.evaluate).
_EVALUATING = re.compile(r"^Error evaluating expression '(.*)'$", re.DOTALL)
_SCRIPT_FILE = "<diagram>"  # the file name sandbox.compile_sandboxed gives diagram code
_ENGINE_MODULE = "script_engine/python_engine.py"
MAX_MESSAGE = 4000


@dataclass(frozen=True)
class FaultDescription:
    element_id: str = ""
    element_name: str = ""
    process_id: str = ""
    expression: str = ""
    line_number: int | None = None
    error_type: str = ""
    message: str = ""
    # The case whose diagram failed: a message or start cascading from the case acted on may fail in
    # another case. None when the engine named no task (e.g. a state that does not deserialise).
    instance_id: int | None = None
    bundle_id: int | None = None


def describe(exc: BaseException) -> FaultDescription:
    frames = _frames(exc)
    task = _engine_task(exc, frames)
    spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
    instance = _loaded(getattr(getattr(task.workflow, "script_engine", None), "instance", None)) if task else {}
    expression, line_number = _expression(exc, spec, frames)
    process_id = ""
    if task is not None:
        process_id = getattr(task.workflow.spec, "name", "") or ""
    return FaultDescription(
        element_id=str(getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or "")[:100],
        element_name=str(getattr(spec, "bpmn_name", None) or "")[:200],
        process_id=(process_id or instance.get("process_id") or "")[:100],
        expression=expression,
        line_number=line_number,
        error_type=_error_type(exc)[:100],
        message=engine_message(exc)[:MAX_MESSAGE],
        instance_id=instance.get("id"),
        bundle_id=instance.get("bundle_id"),
    )


def engine_message(exc: BaseException) -> str:
    """The engine's words, with the Python error underneath when SpiffWorkflow only says where it was
    ("Error evaluating expression '…'" does not say that None was compared with a number)."""
    if isinstance(exc, SpiffWorkflowException):
        text = ". ".join(str(part) for part in [*(exc.args[:1] or [""]), *exc.notes] if part)
    else:
        text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__ or exc.__context__
    if cause is not None and not isinstance(cause, SpiffWorkflowException) and str(cause) not in text:
        text += f" ({type(cause).__name__}: {cause})"
    return text


def record(description: FaultDescription, *, trigger: str, step: str = "", actor_id: int | None = None,
           instance_id: int | None = None) -> ProcessFault:
    """Store a fault after the failed action was rolled back (flushes only). `instance_id` is the case
    acted on; the fault goes to the case whose diagram failed if that one still exists after the
    rollback (a case started within the failed action does not)."""
    assert trigger in TRIGGERS, trigger
    # A case whose start failed was rolled back; on SQLite its id may already belong to a newer case.
    target = None if trigger == "start" else description.instance_id
    if target is None or db.session.get(ProcessInstance, target) is None:
        target = instance_id if instance_id is None or db.session.get(ProcessInstance, instance_id) else None
    bundle_id = description.bundle_id
    if bundle_id is None and target is not None:
        bundle_id = db.session.get(ProcessInstance, target).bundle_id
    if target is not None:
        # A bulk UPDATE, not the ORM object's: it leaves the version column alone, so recording a fault is not a
        # change of the case that a concurrent save would lose to.
        db.session.execute(update(ProcessInstance).where(ProcessInstance.id == target).values(has_open_fault=True))
    now = clock.now()
    same = db.session.scalars(select(ProcessFault).where(
        ProcessFault.instance_id == target if target is not None else ProcessFault.instance_id.is_(None),
        ProcessFault.resolved_at.is_(None), ProcessFault.trigger == trigger,
        ProcessFault.process_id == description.process_id, ProcessFault.element_id == description.element_id,
    ).order_by(ProcessFault.id.desc())).first()
    if same is not None and same.message == description.message and same.bundle_id == bundle_id:
        # The sweeper retries a failing timer every hour: one fault, counted, not a row per retry.
        same.occurrences += 1
        same.last_at = now
        db.session.flush()
        return same
    fault = ProcessFault(
        instance_id=target, bundle_id=bundle_id, process_id=description.process_id,
        element_id=description.element_id, element_name=description.element_name,
        expression=description.expression, line_number=description.line_number,
        error_type=description.error_type, message=description.message, trigger=trigger, step=(step or "")[:200],
        actor_id=actor_id, at=now, last_at=now, occurrences=1,
    )
    db.session.add(fault)
    db.session.flush()
    return fault


def resolve(instance: ProcessInstance) -> None:
    """The engine saved this case again: its earlier faults no longer hold it up. Nothing to do, and no
    statement, unless the case's flag says a fault is open (nearly every save)."""
    if not instance.has_open_fault:
        return
    # The flag first, by a statement: on PostgreSQL it takes the case's row lock, which record() takes too, so
    # a fault recorded meanwhile is either resolved below or recorded (flag set again) after this commits. Set
    # at the case's own UPDATE, at flush, it could clear the flag of a fault recorded in between.
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(has_open_fault=False))
    db.session.execute(update(ProcessFault).where(
        ProcessFault.instance_id == instance.id, ProcessFault.resolved_at.is_(None)).values(resolved_at=clock.now()))


def resolve_start(process_id: str) -> None:
    """A case of this process started: faults met while starting one are behind us."""
    db.session.execute(update(ProcessFault).where(
        ProcessFault.instance_id.is_(None), ProcessFault.process_id == process_id,
        ProcessFault.trigger == "start", ProcessFault.resolved_at.is_(None)).values(resolved_at=clock.now()))


def faults_of(instance_id: int) -> list[ProcessFault]:
    """A case's faults, the current ones first, newest first."""
    return list(db.session.scalars(select(ProcessFault).where(ProcessFault.instance_id == instance_id)
                                   .order_by(ProcessFault.resolved_at.is_not(None), ProcessFault.id.desc())))


def recent_faults(limit: int = 200) -> list[ProcessFault]:
    return list(db.session.scalars(select(ProcessFault).order_by(
        ProcessFault.resolved_at.is_not(None), ProcessFault.last_at.desc(), ProcessFault.id.desc()).limit(limit)))


# ---- reading the engine's objects ------------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from (outermost first), e.g. SpiffWorkflow's
    WorkflowTaskException and the ZeroDivisionError underneath."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _frames(exc: BaseException) -> list[FrameType]:
    """Every frame the failure passed through, outermost first (each chained exception's traceback
    goes deeper than the one that wrapped it)."""
    return [frame for link in _chain(exc) for frame, _ in traceback.walk_tb(link.__traceback__)]


def _engine_task(exc: BaseException, frames: list[FrameType]) -> Task | None:
    """The SpiffWorkflow task that failed: the one SpiffWorkflow names, else the innermost task the
    engine was running (a service-task function's own error carries none)."""
    for link in _chain(exc):
        if isinstance(getattr(link, "task", None), Task):
            return link.task
    for frame in reversed(frames):
        for name in ("my_task", "task"):
            value = frame.f_locals.get(name)
            if isinstance(value, Task):
                return value
    return None


def _expression(exc: BaseException, spec, frames: list[FrameType]) -> tuple[str, int | None]:
    """The expression or script line that failed, and its line in a script."""
    for link in _chain(exc):
        texts = [*(link.args[:1] or [""]), *getattr(link, "notes", [])]
        for text in texts:
            match = _EVALUATING.match(str(text))
            if match:
                return match.group(1), None
    line_number = next((f.f_lineno for f in reversed(frames) if f.f_code.co_filename == _SCRIPT_FILE), None)
    source = next((value for f in reversed(frames) if f.f_code.co_filename.endswith(_ENGINE_MODULE)
                   for value in [f.f_locals.get("script") or f.f_locals.get("expression")]
                   if isinstance(value, str)), None)
    if source is not None:
        lines = source.splitlines()
        if line_number and len(lines) > 1 and line_number <= len(lines):
            return lines[line_number - 1].strip(), line_number
        return source.strip(), line_number if len(lines) > 1 else None
    operator = getattr(spec, "operation_name", None)
    if operator:  # the registered function itself failed: name it with the diagram's parameters
        params = ", ".join(f"{name}={p.get('value')}" for name, p in (getattr(spec, "operation_params", None) or {}).items())
        return f"{operator}({params})", None
    return "", None


def _error_type(exc: BaseException) -> str:
    if isinstance(exc, SpiffWorkflowException):
        inner = getattr(exc, "error_type", None)
        if inner and inner != "unknown":
            return inner
        cause = exc.__cause__ or exc.__context__
        if cause is not None and not isinstance(cause, SpiffWorkflowException):
            return type(cause).__name__
    return type(exc).__name__


def _loaded(instance) -> dict:
    """The instance's attributes as loaded, without touching the database (its session may be failed)."""
    if instance is None:
        return {}
    try:
        return dict(sa_inspect(instance).dict)
    except Exception:  # noqa: BLE001 - not a mapped object: nothing to say about it
        return {}
