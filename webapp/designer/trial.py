"""A trial run of a draft before it is deployed (issue 7, item 4).

The draft runs entirely apart from real cases: in a throwaway app built by the app factory on its own
in-memory SQLite database (mail off), with a clock of its own (`clock.isolated()`: other requests and the
sweeper keep the real time). A small world is seeded there (a unit, an operator, one account per role,
experts, an open round), the draft is deployed, the chosen process started and driven: every user task that
opens is recorded and completed with a sample answer (trial_samples.py); when nothing is open the clock
jumps to the next timer. The report says, in the order things happened and with the simulated dates, which
elements ran, which tasks opened in which role's inbox, which decisions the tables made, which timers fired
and how each case ended. A fault of the draft ends the trial and is reported; it never becomes a traceback.

Only the Python objects of the report leave the throwaway world; then its database is dropped.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from webapp.clock import clock
from webapp.engine.safe_xml import SAFE_XML
from webapp.extensions import db

from .trial_report import CaseEnd, Decision, Fault, OpenedTask, Step, Timer, TrialReport  # noqa: F401  (re-exported for callers)
from .trial_samples import default_answer, fill_in, merged

log = logging.getLogger(__name__)

MAX_STEPS = 300  # user tasks completed plus timer jumps; loops in a draft end here
DEFAULT_MONTHS = {"recognition": 12, "space_lifecycle": 48}
SPACE_PROCESSES_FOLLOW_LIFECYCLE = ("space_lifecycle",)
# Spiff's class names for BPMN elements whose name differs from the element (service.BPMN_KINDS keys).
_KIND_OF_CLASS = {"NoneTask": "task", "SubWorkflowTask": "subProcess", "TransactionSubprocess": "subProcess"}


# --- what a draft offers --------------------------------------------------------------------------------------

def startable_processes(parsed) -> list[tuple[str, str]]:
    """(id, name) of the processes a trial can start: those with a start event people or the app trigger
    (a process started only by another's message, like the evaluation, runs inside that process's trial)."""
    from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

    found = []
    for pid, (spec, _subs) in parsed.specs.items():
        starts = [ts for ts in spec.task_specs.values() if isinstance(ts, StartEvent)]
        if any(not isinstance(getattr(ts, "event_definition", None), MessageEventDefinition) for ts in starts):
            found.append((pid, parsed.names.get(pid, pid)))
    order = {"recognition": 0, "space_lifecycle": 1}
    return sorted(found, key=lambda p: (order.get(p[0], 2), p[0]))


def _user_task_specs(parsed):
    for _pid, (spec, subs) in parsed.specs.items():
        for wf_spec in [spec, *subs.values()]:
            for task_spec in wf_spec.task_specs.values():
                if getattr(task_spec, "manual", False) and task_spec.bpmn_id:
                    yield task_spec


def default_answers(bundle) -> dict[str, dict]:
    """The sample answer of every user task of a version, by task id (pre-filled for the designer to edit)."""
    from forms.lifecycle import score_sheet
    from webapp.engine.definitions import parsed_bundle
    from webapp.engine.runtime import task_properties

    answers: dict[str, dict] = {}
    if bundle is None:
        return answers
    for task_spec in _user_task_specs(parsed_bundle(bundle)):
        properties = task_properties(task_spec)
        sheet = score_sheet(bundle, properties.get("scoreSheet", ""))
        answers.setdefault(task_spec.bpmn_id, default_answer(properties.get("formKey", ""), properties, sheet))
    return answers


def decision_names(files: dict[str, str]) -> dict[str, tuple[str, str]]:
    """decision table id -> (decision id, decision name), from the draft's DMN files."""
    names: dict[str, tuple[str, str]] = {}
    for name, text in files.items():
        if not name.endswith(".dmn"):
            continue
        try:
            root = etree.fromstring(text.encode("utf-8"), parser=SAFE_XML)
        except etree.XMLSyntaxError:
            continue
        for decision in root.iter("{*}decision"):
            for table in decision.iter("{*}decisionTable"):
                names[table.get("id") or ""] = (decision.get("id") or "", decision.get("name") or decision.get("id") or "")
    return names


# --- running it -----------------------------------------------------------------------------------------------

def _throwaway_app(upload_dir: str, secret_key: str, bpmn_dir: str):
    """A second app from the factory: in-memory SQLite (Flask-SQLAlchemy gives `sqlite://` one shared
    connection), no mail host, no demo clock, so nothing it does can reach the real database or anyone."""
    from webapp import create_app

    return create_app({
        "TESTING": True, "SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SQLALCHEMY_ENGINE_OPTIONS": {}, "UPLOAD_DIR": upload_dir, "MAIL_HOST": "", "DEMO_MODE": False,
        "WTF_CSRF_ENABLED": False, "BPMN_DIR": bpmn_dir,
    })


@dataclass(frozen=True)
class TrialSettings:
    """What a trial takes from the real app: its today (demo offset included), secret and diagrams folder.
    Passed explicitly, because the trial runs in a child process of its own (trial_process.py)."""

    start: datetime
    secret_key: str
    bpmn_dir: str

    @classmethod
    def from_app(cls) -> TrialSettings:
        from flask import current_app

        return cls(clock.now(), current_app.config["SECRET_KEY"], str(current_app.config["BPMN_DIR"]))


def run_trial(files: dict[str, str], process_id: str, answers: dict[str, dict] | None = None,
              months: int | None = None, max_steps: int = MAX_STEPS,
              settings: TrialSettings | None = None) -> TrialReport:
    """Run `files` (a complete bundle that passed the deploy checks) from `process_id`; see the module doc."""
    settings = settings or TrialSettings.from_app()
    with tempfile.TemporaryDirectory(prefix="trial-") as upload_dir:
        app = _throwaway_app(upload_dir, settings.secret_key, settings.bpmn_dir)
        # A request context of its own (not just an app context): whatever the engine's glue reads from a
        # request (locale, user) comes from the throwaway app, never from the designer's real session.
        with app.test_request_context("/"), clock.isolated(settings.start):
            try:
                db.create_all()
                return _Trial(files, process_id, answers or {}, months, max_steps).run()
            finally:
                db.session.remove()
                db.engine.dispose()


class _Trial:
    def __init__(self, files, process_id, answers, months, max_steps):
        self.files = files
        self.process_id = process_id
        self.answers = answers
        self.max_steps = max_steps
        self.months = months or DEFAULT_MONTHS.get(process_id, 12)
        self.seen_tasks: set[tuple[int, str]] = set()  # (instance id, spiff task id) already in the path
        self.seen_rows: dict[int, OpenedTask] = {}  # human_task id -> its entry
        self.last_audit = 0
        self.first_instance = 0
        self.tables = decision_names(files)

    # ---- the world -----------------------------------------------------------------------------------------
    def _seed(self) -> None:
        from webapp.models import User
        from webapp.simulation import Harness

        self.harness = Harness()  # unit, organisation, five experts, a round open for ten years; commits
        unit, organisation = self.harness.unit, self.harness.organisation
        self.people = {
            "applicant": User(username="trial_applicant", display_name="试运行申报单位", role="applicant",
                              organisation_id=organisation.id, unit_id=unit.id, password_hash="x"),
            "recommender": User(username="trial_recommender", display_name="试运行推荐单位", role="recommender",
                                unit_id=unit.id, password_hash="x"),
            "torch_center": User(username="trial_torch", display_name="试运行火炬中心", role="torch_center",
                                 password_hash="x"),
            "approver": User(username="trial_approver", display_name="试运行科技厅", role="approver", password_hash="x"),
        }
        db.session.add_all(self.people.values())
        db.session.commit()

    def _start(self) -> None:
        from webapp.engine.definitions import event_properties
        from webapp.engine.runtime import Runtime
        from webapp.models import ProcessInstance
        from webapp.simulation import recognised_space_now

        if self.process_id == "recognition":
            self.first_instance = self.harness("recognition").instance_id
            return
        # Every other process is about a recognised space; its lifecycle starts with it, as in real life.
        before = db.session.scalar(select(func.max(ProcessInstance.id))) or 0
        space = recognised_space_now("试运行众创空间", self.harness.organisation.id, self.harness.unit.id)
        if self.process_id in SPACE_PROCESSES_FOLLOW_LIFECYCLE:
            self.first_instance = space.lifecycle_instance_id or before + 1
            return
        start_id = self._start_event_id()
        data = {"space_id": space.id}
        data.update(default_answer("", event_properties(self.process_id)) if event_properties(self.process_id) else {})
        data.pop("comment", None)
        data.update(self.answers.get(start_id, {}))
        instance = Runtime(actor=self.people["torch_center"]).start(
            self.process_id, subject_type="space", subject_id=space.id, organisation_id=space.organisation_id,
            unit_id=space.unit_id, data=data)
        db.session.commit()
        self.first_instance = instance.id

    def _start_event_id(self) -> str:
        from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

        from webapp.engine.definitions import latest_bundle, parsed_bundle

        spec, _subs = parsed_bundle(latest_bundle()).specs[self.process_id]
        return next((ts.bpmn_id for ts in spec.task_specs.values() if isinstance(ts, StartEvent)), "")

    # ---- the loop ------------------------------------------------------------------------------------------
    def run(self) -> TrialReport:
        from webapp.engine.definitions import deploy, latest_bundle, parsed_bundle

        self._seed()
        deploy(self.files, note="试运行")
        db.session.commit()
        parsed = parsed_bundle(latest_bundle())
        report = TrialReport(self.process_id, parsed.names.get(self.process_id, self.process_id), clock.now())
        self.report = report
        horizon = clock.now() + timedelta(days=round(self.months * 365.25 / 12))
        report.horizon = horizon
        try:
            self._start()
            self._observe()
            for _ in range(self.max_steps):
                if report.fault:
                    break
                row = self._next_open()
                if row is not None:
                    self._complete(row)
                else:
                    due = self._next_timer()
                    if due is None:
                        report.stopped = "finished"
                        break
                    if due >= horizon:
                        report.stopped = "horizon"
                        break
                    self._jump_to(due)
                self._observe()
            else:
                report.stopped = "steps"
        except Exception as exc:  # a fault of the draft: reported, never a traceback
            report.fault = _fault(exc)  # before the rollback: the description reads the engine's objects
            db.session.rollback()
            log.info("trial run of %s stopped by a fault: %s", self.process_id, exc)
        if report.fault:
            report.stopped = "fault"
        report.ended = clock.now()
        self._ends()
        return report

    def _followed(self):
        from webapp.models import ProcessInstance

        return ProcessInstance.id >= self.first_instance

    def _next_open(self):
        from webapp.models import HumanTask

        return db.session.scalar(select(HumanTask).where(HumanTask.status == "open", HumanTask.instance_id >= self.first_instance)
                                 .order_by(HumanTask.id).limit(1))

    def _next_timer(self) -> datetime | None:
        from webapp.models import ProcessInstance

        return db.session.scalar(select(func.min(ProcessInstance.next_timer_at))
                                 .where(ProcessInstance.status == "running", self._followed()))

    def _jump_to(self, due: datetime) -> None:
        from tasks.sweep import sweep_once

        # The sweeper fires a timer only once its time has passed (due_instances: strictly before now).
        clock.freeze(max(due, clock.now()) + timedelta(minutes=1))
        sweep_once()
        db.session.expire_all()

    def _actor(self, row):
        from webapp.models import User

        if row.lane == "expert":
            return db.session.get(User, row.assignee_id) if row.assignee_id else None
        return self.people.get(row.lane)

    def _complete(self, row) -> None:
        from forms.lifecycle import score_sheet
        from webapp.engine.runtime import Runtime, task_properties

        instance = row.instance
        wf = Runtime().load(instance)
        task = wf.get_task_from_id(UUID(row.task_guid))
        properties = task_properties(task.task_spec)
        sheet = score_sheet(instance.bundle, properties.get("scoreSheet", ""))
        answer = merged(default_answer(row.form_key, properties, sheet), self.answers.get(row.task_spec))
        answer = fill_in(answer, row.form_key, properties, experts=self.harness.expert_ids, assignee=row.assignee_id,
                         sheet=sheet)
        entry = self.seen_rows.get(row.id)
        Runtime(actor=self._actor(row)).complete(row, answer)
        db.session.commit()
        if entry is not None:
            entry.answer, entry.completed = answer, clock.now()

    # ---- what happened -------------------------------------------------------------------------------------
    def _observe(self) -> None:
        """After each step: elements that ran, tasks that opened, decisions made, timers fired, faults."""
        from webapp.engine.runtime import Runtime
        from webapp.models import AuditEvent, HumanTask, ProcessInstance

        db.session.expire_all()
        now = clock.now()
        ran = []
        for instance in db.session.scalars(select(ProcessInstance).where(self._followed()).order_by(ProcessInstance.id)):
            wf = Runtime().load(instance)
            for task in wf.get_tasks(state=TaskState.COMPLETED):
                key = (instance.id, str(task.id))
                if key in self.seen_tasks or not task.task_spec.bpmn_id:
                    continue
                self.seen_tasks.add(key)
                ran.append((task.last_state_change, instance, task))
        for _changed, instance, task in sorted(ran, key=lambda r: r[0]):
            self._ran(now, instance, task)
        for row in db.session.scalars(select(HumanTask).where(HumanTask.instance_id >= self.first_instance)
                                      .order_by(HumanTask.id)):
            if row.id not in self.seen_rows:
                self.seen_rows[row.id] = OpenedTask(now, row.instance.process_name, row.task_spec, row.title, row.lane,
                                                    row.due_at, _field_labels(row))
                self.report.tasks.append(self.seen_rows[row.id])
        for event in db.session.scalars(select(AuditEvent).where(AuditEvent.id > self.last_audit,
                                                                 AuditEvent.instance_id >= self.first_instance)
                                        .order_by(AuditEvent.id)):
            self.last_audit = event.id
            instance = db.session.get(ProcessInstance, event.instance_id) if event.instance_id else None
            process = instance.process_name if instance else ""
            if event.action == "timer":
                self.report.timers.append(Timer(event.at, process, event.title))
            elif event.action == "error" and self.report.fault is None:  # the sweeper caught a fault
                self.report.fault = Fault(process, (event.detail or {}).get("error") or event.title)
        self._recorded_faults()

    def _recorded_faults(self) -> None:
        """A fault the sweeper caught on a timer, recorded as on a real case (when the runtime records them)."""
        from webapp import models

        model = getattr(models, "ProcessFault", None)
        if model is None or self.report.fault is not None:
            return
        fault = db.session.scalar(select(model).where(model.instance_id >= self.first_instance).order_by(model.id).limit(1))
        if fault is not None:
            self.report.fault = Fault(_where(fault.element_name, fault.element_id), fault.message or fault.error_type,
                                      fault.expression or "")

    def _ran(self, now: datetime, instance, task) -> None:
        spec = task.task_spec
        kind = type(spec).__name__
        kind = _KIND_OF_CLASS.get(kind, kind[:1].lower() + kind[1:])
        if spec.bpmn_name:
            last = self.report.steps[-1] if self.report.steps else None
            if last and last.element_id == spec.bpmn_id and last.process == instance.process_name:
                last.count += 1  # the experts of a panel, each with a task of their own
            else:
                self.report.steps.append(Step(now, instance.process_name, spec.bpmn_id, spec.bpmn_name, kind))
        engine = getattr(spec, "dmnEngine", None)
        if engine is not None:
            self.report.decisions.append(self._decision(now, instance, task, engine))

    def _decision(self, now: datetime, instance, task, engine) -> Decision:
        table = engine.decision_table
        decision_id, name = self.tables.get(table.id, ("", table.name or table.id))
        script_engine = task.workflow.script_engine
        inputs = []
        for column in table.inputs:
            try:
                value = script_engine.evaluate(task, column.expression) if column.expression else None
            except Exception:  # an input that cannot be read again afterwards is shown as unknown
                value = "—"
            inputs.append((column.label or column.name or column.expression or "", value))
        outputs = [(column.label or column.name, task.data.get(column.name)) for column in table.outputs]
        try:
            rules = [f"#{r.row_number} {r.description or ''}".strip() for r in engine.decide(task)]
        except Exception:
            rules = []
        return Decision(now, instance.process_name, task.task_spec.bpmn_name or "", task.task_spec.bpmn_id,
                        name, decision_id, inputs, outputs, rules)

    def _ends(self) -> None:
        from webapp.models import HumanTask, ProcessInstance

        try:
            db.session.expire_all()
            for instance in db.session.scalars(select(ProcessInstance).where(self._followed()).order_by(ProcessInstance.id)):
                subject = instance.subject
                open_titles = [t.title for t in db.session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance.id, HumanTask.status == "open").order_by(HumanTask.id))]
                self.report.cases.append(CaseEnd(instance.process_name, instance.status, getattr(subject, "status", "") or "",
                                                 getattr(subject, "outcome_reason", "") or "", open_titles))
        except Exception as exc:  # the report keeps what was seen before
            log.info("trial run: could not read how the cases ended: %s", exc)


def _field_labels(row) -> list[Any]:
    """The labels of the fields of a task's form (declared attachments included), in the form's order."""
    from wtforms.fields.core import UnboundField

    from forms import form_class_for
    from webapp.engine.runtime import Runtime, task_properties

    try:
        wf = Runtime().load(row.instance)
        properties = task_properties(wf.get_task_from_id(UUID(row.task_guid)).task_spec)
        cls = form_class_for(row.form_key, properties)
    except Exception:
        return []
    sheet_items: list[Any] = []
    skipped: set[str] = set()
    if properties.get("scoreSheet"):  # the form scores item by item on the sheet instead of base and bonus
        from forms.lifecycle import score_sheet

        sheet_items = [f"{i['code']} {i['label']}" for i in score_sheet(row.instance.bundle, properties["scoreSheet"])]
        skipped = {"base", "bonus"} if sheet_items else set()
    unbound = [(f.creation_counter, f) for name in dir(cls) if not name.startswith("_") and name not in skipped
               and isinstance(f := getattr(cls, name, None), UnboundField)]
    labels: list[Any] = list(sheet_items)
    for _counter, f in sorted(unbound, key=lambda u: u[0]):
        label = f.args[0] if f.args else f.kwargs.get("label")
        if label is not None and f.field_class.__name__ not in ("CSRFTokenField", "HiddenField", "SubmitField"):
            labels.append(label)
    return labels


def _where(name: str, ident: str) -> str:
    return f"{name}（{ident}）" if name and ident else name or ident


def _fault(exc: Exception) -> Fault:
    """Where the draft failed (element name and id, when the engine says), the expression, the engine's
    message: as the runtime describes a fault on a real case (webapp/engine/faults.py) when it can."""
    try:
        from webapp.engine.faults import describe

        d = describe(exc)
        return Fault(_where(d.element_name, d.element_id), (d.message or type(exc).__name__)[:500], d.expression or "")
    except Exception:  # noqa: S110  (describing must never fail the report: fall back to the plain message)
        pass
    spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    where = _where(getattr(spec, "bpmn_name", "") or "", getattr(spec, "bpmn_id", "") or "") if spec is not None else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Fault(where, message[:500])
