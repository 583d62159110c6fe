"""A space's lifecycle over ten simulated years: its saved state stays the size it had in year one, and the
case still does everything it did (issue 10: states that don't grow with the years).

The lifecycle (bpmn/lifecycle.bpmn) loops every half-year (a report period) and every three years (an
evaluation). SpiffWorkflow keeps every finished round in the task tree; webapp/engine/pruning.py cuts the
finished rounds out on save. The history people read is not in the tree: the audit trail and the dossier
(reports, awards, status changes) are database rows, checked here to be complete.
"""

from __future__ import annotations

import json

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from tests.engine.test_lifecycle_scenarios import REPORT, STEP, evaluate
from webapp.engine import pruning, state
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import AuditEvent, ProcessInstance, SpaceStatusChange


@pytest.fixture
def experts(harness):
    return harness.expert_ids[:3]


def tree(case) -> tuple[int, int]:
    """Tasks in the case's tree (sub-processes included) and the bytes they take in the saved state."""
    wf = Runtime().load(case.instance)
    saved = state.COMPACT.to_dict(wf)
    return pruning.task_count(wf), len(json.dumps(saved["tasks"])) + len(json.dumps(saved["subprocesses"]))


class Life:
    """Lives a space's years in STEP-day steps: reports as `reports` says (by period, from 1), evaluations
    with the panel totals in `grades`, national filing declined."""

    def __init__(self, case, experts, reports: dict[int, str] | None = None, grades: list[float] | None = None):
        self.case, self.experts = case, experts
        self.reports = reports or {}
        self.grades = list(grades or [])
        self.sightings: dict[int, int] = {}
        self.evaluations = 0

    @property
    def period(self) -> int:
        return len(self.case.report_statuses) + 1  # a period is recorded when submitted or missed

    def step(self) -> None:
        h = self.case
        h.advance(days=STEP)
        ready = h.ready()
        if "self_assessment" in ready:
            evaluate(h, self.grades.pop(0), self.experts)
            self.evaluations += 1
            ready = h.ready()
        if "national_filing" in ready:
            h.complete("national_filing", national_filing_result="not_filed")
        if "half_year_report" in h.ready():
            period = self.period
            self.sightings[period] = self.sightings.get(period, 0) + 1
            how = self.reports.get(period, "on_time")
            if how == "on_time" or (how == "late" and self.sightings[period] >= 3):  # late: after day 30
                h.complete("half_year_report", **REPORT)

    def until_period_recorded(self, period: int) -> None:
        while self.period <= period:
            self.step()


def test_ten_years_of_a_space_keep_a_state_of_year_one_s_size(harness, experts):
    life = Life(harness.recognised_space(), experts, grades=[75, 75, 75])
    life.until_period_recorded(2)  # year 1: the report opened at month 12 is in
    year_one = tree(life.case)
    life.until_period_recorded(20)  # year 10
    year_ten = tree(life.case)

    tasks_1, bytes_1 = year_one
    tasks_10, bytes_10 = year_ten
    assert tasks_10 <= 1.3 * tasks_1, (year_one, year_ten)
    assert bytes_10 <= 1.3 * bytes_1, (year_one, year_ten)

    # …and the case did everything a decade brings: twenty half-year reports, three evaluations.
    h = life.case
    assert h.report_statuses == ["on_time"] * 20
    assert life.evaluations == 3 and h.awards == [("evaluation", 300000)] * 3
    assert h.space_status == "recognised" and not h.done
    life.until_period_recorded(21)  # the 21st period opens and is reported, as every one before it
    assert h.report_statuses == ["on_time"] * 21


def test_a_decade_with_reminders_a_missed_report_and_rectification_keeps_its_history(harness, experts):
    """The branches taken only now and then — a reminder, a late and a missing report, a failed evaluation,
    rectification and its re-evaluation, national filing — run in rounds long pruned by year ten. The
    audit trail and the dossier still hold every one of them; the case page's diagram still marks them."""
    life = Life(harness.recognised_space(), experts, reports={3: "late", 4: "missing"},
                grades=[40, 60, 90, 75])
    life.until_period_recorded(2)
    year_one = tree(life.case)
    life.until_period_recorded(20)
    year_ten = tree(life.case)
    assert year_ten[0] <= 1.3 * year_one[0], (year_one, year_ten)

    h = life.case
    statuses = h.report_statuses
    assert statuses[2:4] == ["late", "missing"] and statuses.count("on_time") == 18
    # 40: fail, rectification; 60 a year later: passed (合格, no award); 90: excellent, then 75: good.
    assert life.evaluations == 4 and h.awards == [("evaluation", 400000), ("evaluation", 300000)]
    changes = db.session.scalars(select(SpaceStatusChange.new_status).join(
        ProcessInstance, ProcessInstance.id == SpaceStatusChange.instance_id).where(
        ProcessInstance.id == h.instance_id).order_by(SpaceStatusChange.id)).all()
    assert changes == ["rectification", "recognised"]

    # The audit trail: every report the applicant submitted, every timer that moved the case.
    completed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == h.instance_id, AuditEvent.action == "completed",
        AuditEvent.task_spec == "half_year_report"))
    assert completed == 19
    timers = db.session.scalars(select(AuditEvent.title).where(
        AuditEvent.instance_id == h.instance_id, AuditEvent.action == "timer")).all()
    assert any("截止前7天提醒" in t for t in timers) and any("整改期" in t for t in timers)

    # The tree no longer holds those rounds, but what the diagram marks as having run is kept.
    wf = Runtime().load(h.instance)
    in_tree = {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)}
    marks = pruning.history_marks(wf)
    for element in ("send_report_reminder", "record_report_missing", "set_status_rectification",
                    "call_reevaluation", "set_status_recognised", "national_filing"):
        assert element not in in_tree, element
        assert marks.get(element) == "completed", element


def test_an_old_state_saved_before_pruning_shrinks_at_its_next_steps(harness, experts, monkeypatch):
    life = Life(harness.recognised_space(), experts, grades=[75])
    monkeypatch.setattr(pruning, "prune", lambda wf: 0)  # as cases were saved before
    life.until_period_recorded(8)
    grown = tree(life.case)[0]
    monkeypatch.undo()
    life.until_period_recorded(10)
    assert tree(life.case)[0] < grown / 2, grown
    assert life.case.report_statuses == ["on_time"] * 10 and life.evaluations == 1
