"""What a trial run reports (trial.py runs it): the path, the tasks per role, the decisions, the timers, how
the cases ended, and a fault if the draft had one. Plain dataclasses: they come back pickled from the
trial's child process (trial_process.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Step:
    when: datetime
    process: str
    element_id: str
    name: str
    kind: str  # a key of service.BPMN_KINDS
    count: int = 1


@dataclass
class OpenedTask:
    opened: datetime
    process: str
    task_id: str  # the element id
    title: str
    role: str  # the lane's role
    due: datetime | None
    fields: list[Any]  # labels of the form's fields (lazy strings, rendered in the viewer's language)
    answer: dict[str, Any] = field(default_factory=dict)
    completed: datetime | None = None


@dataclass
class Decision:
    when: datetime
    process: str
    task_name: str
    element_id: str
    table: str  # the decision's name
    decision_id: str
    inputs: list[tuple[str, Any]]
    outputs: list[tuple[str, Any]]
    rules: list[str]  # the matching rules: "#3 description"


@dataclass
class Timer:
    when: datetime
    process: str
    names: str


@dataclass
class CaseEnd:
    process: str
    status: str  # running | completed | cancelled
    subject_status: str = ""  # the application's or space's status (a label code)
    outcome_reason: str = ""
    open_tasks: list[str] = field(default_factory=list)


@dataclass
class Fault:
    where: str  # element name (id), or ""
    message: str
    expression: str = ""


@dataclass
class TrialReport:
    process_id: str
    process_name: str
    started: datetime
    ended: datetime | None = None
    horizon: datetime | None = None
    stopped: str = ""  # finished | horizon | steps | fault
    steps: list[Step] = field(default_factory=list)
    tasks: list[OpenedTask] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    cases: list[CaseEnd] = field(default_factory=list)
    fault: Fault | None = None

    def tasks_by_role(self) -> dict[str, list[OpenedTask]]:
        roles: dict[str, list[OpenedTask]] = {}
        for task in self.tasks:
            roles.setdefault(task.role, []).append(task)
        return roles

    def answers_used(self) -> dict[str, dict]:
        return {t.task_id: t.answer for t in self.tasks if t.completed is not None}
