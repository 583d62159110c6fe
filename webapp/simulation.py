"""A small driver for engine scenarios: the real runtime, database and service tasks, with the app
clock frozen so that years pass in milliseconds. Used by tests, benchmark scripts and the demo history."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select

from webapp.clock import CHINA, clock
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import (
    Application,
    ApplicationRound,
    Award,
    HumanTask,
    MakerSpace,
    Organisation,
    ProcessInstance,
    Report,
    Unit,
    User,
)
from webapp.models.recognition import day_start


class ScenarioError(AssertionError):
    pass


def recognised_space_now(name: str, organisation_id: int, unit_id: int) -> MakerSpace:
    """A space entered in the registry now (as recognise_space would), its lifecycle started; commits."""
    from tasks.recognition import register_space

    runtime = Runtime()
    space = register_space(runtime, name=name, organisation_id=organisation_id, unit_id=unit_id)
    runtime.run_deferred()
    db.session.commit()
    return space


class Case:
    """One process instance seen from a scenario."""

    def __init__(self, instance_id: int):
        self.instance_id = instance_id

    @property
    def instance(self) -> ProcessInstance:
        return db.session.get(ProcessInstance, self.instance_id)

    def refresh(self) -> Case:
        db.session.expire_all()
        return self

    def open_tasks(self) -> list[HumanTask]:
        return list(db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == self.instance_id, HumanTask.status == "open").order_by(HumanTask.id)))

    def ready(self) -> list[str]:
        return [t.task_spec for t in self.open_tasks()]

    def task(self, spec: str, assignee: int | None = None) -> HumanTask:
        rows = [t for t in self.open_tasks() if t.task_spec == spec and (assignee is None or t.assignee_id == assignee)]
        if len(rows) != 1:
            raise ScenarioError(f"expected one open {spec!r} (assignee={assignee}), found {len(rows)}; open: {self.ready()}")
        return rows[0]

    def complete(self, spec: str, assignee: int | None = None, **data) -> Case:
        row = self.task(spec, assignee)
        actor = db.session.get(User, assignee) if assignee else None
        Runtime(actor=actor).complete(row, data)
        db.session.commit()
        return self

    def send(self, name: str, payload: dict | None = None) -> Case:
        Runtime().send_message(self.instance, name, payload or {})
        db.session.commit()
        return self

    def advance(self, days: float = 0, **kwargs) -> Case:
        from tasks.sweep import sweep_once

        clock.advance(timedelta(days=days, **kwargs))
        sweep_once()
        db.session.expire_all()
        return self

    def advance_to(self, when: str) -> Case:
        target = datetime.fromisoformat(when)
        if target > clock.now():
            self.advance(seconds=(target - clock.now()).total_seconds())
        return self

    @property
    def data(self) -> dict:
        wf = Runtime().load(self.instance)
        merged = dict(wf.data)
        for task in sorted(wf.get_tasks(), key=lambda t: t.last_state_change):
            merged.update(task.data)
        return merged

    def task_data(self, spec: str) -> dict:
        wf = Runtime().load(self.instance)
        return dict(wf.get_task_from_id(UUID(self.task(spec).task_guid)).data)

    @property
    def done(self) -> bool:
        return self.instance.status == "completed"

    @property
    def outcome(self):
        return self.data.get("outcome")

    # ---- lifecycle helpers ------------------------------------------------------------------
    def _space(self) -> MakerSpace | None:
        instance = self.instance
        if instance.subject_type == "space":
            return db.session.get(MakerSpace, instance.subject_id)
        return db.session.scalar(select(MakerSpace).where(MakerSpace.application_id == instance.subject_id))

    @property
    def space_status(self) -> str | None:
        space = self._space()
        return space.status if space else None

    @property
    def awards(self) -> list[tuple[str, int]]:
        space = self._space()
        return [(a.kind, a.amount) for a in db.session.scalars(
            select(Award).where(Award.space_id == space.id).order_by(Award.id))] if space else []

    @property
    def report_statuses(self) -> list[str]:
        space = self._space()
        return [r.status for r in db.session.scalars(
            select(Report).where(Report.space_id == space.id).order_by(Report.opened_at, Report.id))] if space else []


class SpaceCase(Case):
    """A space's lifecycle together with the evaluation cases it starts (one per evaluation)."""

    PROCESSES = ("space_lifecycle", "evaluation")

    def open_tasks(self) -> list[HumanTask]:
        instance = self.instance
        return list(db.session.scalars(
            select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
                ProcessInstance.subject_type == "space", ProcessInstance.subject_id == instance.subject_id,
                ProcessInstance.process_id.in_(self.PROCESSES), HumanTask.status == "open").order_by(HumanTask.id)))


class Harness:
    """Builds the subjects a process needs, then starts it."""

    def __init__(self):
        self._counter = 0
        unit = Unit(code="test_unit", name="测试市科技局", kind="bureau")
        db.session.add(unit)
        db.session.flush()
        self.unit = unit
        self.organisation = Organisation(name="测试众创空间运营有限公司", unit_id=unit.id)
        db.session.add(self.organisation)
        # Open from today (China time) for ten years: scenarios move the clock years ahead.
        opens = clock.now().astimezone(CHINA).date()
        self.round = ApplicationRound(title="测试批次", year=opens.year, batch=1, opens_at=day_start(opens),
                                      closes_at=day_start(opens) + timedelta(days=3653), units=[unit])
        db.session.add(self.round)
        db.session.flush()
        self.experts = []
        for n in range(1, 6):
            user = User(username=f"expert{n}", display_name=f"专家{n}", role="expert", password_hash="x")
            db.session.add(user)
            self.experts.append(user)
        db.session.commit()

    @property
    def expert_ids(self) -> list[int]:
        return [u.id for u in self.experts]

    def __call__(self, process_id: str, data: dict | None = None) -> Case:
        data = dict(data or {})
        if process_id == "recognition":
            application = Application(round_id=self.round.id, organisation_id=self.organisation.id,
                                      unit_id=self.unit.id, space_name="测试众创空间", created_at=clock.now())
            db.session.add(application)
            db.session.flush()
            data.setdefault("application_id", application.id)
            data.setdefault("round_id", self.round.id)
            data.setdefault("round_closes_at", self.round.closes_at.isoformat())
            instance = Runtime().start(process_id, subject_type="application", subject_id=application.id,
                                       organisation_id=self.organisation.id, unit_id=self.unit.id, data=data)
            application.instance_id = instance.id
        else:
            space = db.session.get(MakerSpace, data["space_id"])
            instance = Runtime().start(process_id, subject_type="space", subject_id=space.id,
                                       organisation_id=space.organisation_id, unit_id=space.unit_id, data=data)
        db.session.commit()
        return Case(instance.id)

    def recognised_space(self) -> Case:
        """A space recognised now, with its lifecycle started the way recognise_space starts it."""
        self._counter += 1
        space = recognised_space_now(f"测试空间{self._counter}", self.organisation.id, self.unit.id)
        if space.lifecycle_instance_id is None:
            raise ScenarioError("space_lifecycle is not deployed")
        return SpaceCase(space.lifecycle_instance_id)
