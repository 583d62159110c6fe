"""Pruning finished loop iterations (webapp/engine/pruning.py) on small hand-made diagrams.

Each diagram runs twice side by side, saved and read back after every step exactly as the runtime does
(webapp/engine/state.py): once pruned on save, once not. After every step both runs must offer the same
user tasks with the same data, wait for the same events and end alike — while the pruned one stays the
same size however often its loops go round. No database is needed: this is the engine alone.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from webapp.clock import clock
from webapp.engine import office, state
from webapp.engine.pruning import history_marks, prune, task_count

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


# ---- writing diagrams ------------------------------------------------------------------------------


def bpmn(*processes: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d">{"".join(processes)}</bpmn:definitions>'


def process(pid: str, *parts: str) -> str:
    return f'<bpmn:process id="{pid}" isExecutable="true">{"".join(parts)}</bpmn:process>'


def flow(source: str, target: str, condition: str | None = None, fid: str | None = None) -> str:
    fid = fid or f"f_{source}_{target}"
    cond = (f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>' if condition else "")
    return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">{cond}</bpmn:sequenceFlow>'


def start(eid="start") -> str:
    return f'<bpmn:startEvent id="{eid}"/>'


def end(eid="end") -> str:
    return f'<bpmn:endEvent id="{eid}"/>'


def user(eid: str, properties: dict | None = None) -> str:
    props = "".join(f'<spiffworkflow:property name="{k}" value="{v}"/>' for k, v in (properties or {}).items())
    ext = (f"<bpmn:extensionElements><spiffworkflow:properties>{props}</spiffworkflow:properties>"
           "</bpmn:extensionElements>") if props else ""
    return f'<bpmn:userTask id="{eid}" name="{eid}">{ext}</bpmn:userTask>'


def script(eid: str, code: str) -> str:
    return f'<bpmn:scriptTask id="{eid}" scriptFormat="python"><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>'


def xor(eid: str, default: str | None = None) -> str:
    return f'<bpmn:exclusiveGateway id="{eid}"{f" default={chr(34)}{default}{chr(34)}" if default else ""}/>'


def parallel(eid: str) -> str:
    return f'<bpmn:parallelGateway id="{eid}"/>'


def timer_boundary(eid: str, on: str, duration: str, interrupting: bool) -> str:
    return (f'<bpmn:boundaryEvent id="{eid}" attachedToRef="{on}" cancelActivity="{str(interrupting).lower()}">'
            f'<bpmn:timerEventDefinition><bpmn:timeDuration>"{duration}"</bpmn:timeDuration>'
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent>')


def loop_back(source: str, into: str, rounds: str = "n &lt; rounds") -> str:
    """The end of a loop body: another round while `rounds` holds, else the end event."""
    return (xor("gw_out", default="f_end") + end() + flow(source, "gw_out")
            + flow("gw_out", into, rounds, fid="f_back") + flow("gw_out", "end", fid="f_end"))


# ---- running them twice ------------------------------------------------------------------------------


class Twin:
    """One diagram run twice, saved and read back after each step: pruned (True) and not (False)."""

    def __init__(self, xml: str, process_id: str, **data):
        parser = SpiffBpmnParser()
        parser.add_bpmn_str(xml.encode(), "test.bpmn")
        self.specs = (parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
        self.runs: dict[bool, BpmnWorkflow] = {}
        self.counts: list[int] = []  # the pruned run's tasks after each save
        for pruned in (False, True):
            wf = BpmnWorkflow(*self.specs)
            for task in wf.get_tasks(state=TaskState.READY):
                task.set_data(**data)
            self.runs[pruned] = wf
        self._step()

    @property
    def pruned(self) -> BpmnWorkflow:
        return self.runs[True]

    @property
    def plain(self) -> BpmnWorkflow:
        return self.runs[False]

    def _step(self) -> dict:
        for pruned, wf in self.runs.items():
            for _ in range(100):  # as Runtime._advance: timers may make more engine tasks ready
                wf.do_engine_steps()
                if not [t for t in wf.get_tasks(state=TaskState.READY) if not t.task_spec.manual]:
                    break
            if pruned:
                prune(wf)
            self.runs[pruned] = state.restore(state.dump(wf), lambda: self.specs)
        self.counts.append(task_count(self.pruned))
        seen = {pruned: view(wf) for pruned, wf in self.runs.items()}
        assert seen[True] == seen[False]
        return seen[True]

    def complete(self, element: str, **data) -> dict:
        for wf in self.runs.values():
            task = ready_task(wf, element)
            task.set_data(**data)
            task.run()
        return self._step()

    def advance(self, **delta) -> dict:
        clock.advance(timedelta(**delta))
        return self._step()

    def ready(self) -> list[str]:
        return sorted(t.task_spec.bpmn_id for t in self.pruned.get_tasks(state=TaskState.READY, manual=True))


def ready_task(wf, element: str):
    found = [t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element]
    assert len(found) == 1, (element, [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY)])
    return found[0]


def view(wf) -> dict:
    """What a person or the sweeper can tell about a case: open tasks and their data, the events it waits for
    (webapp/engine/waits.py), and how it ended."""
    ready = sorted((t.task_spec.bpmn_id, json.dumps(_comparable(t.data), sort_keys=True, default=str))
                   for t in wf.get_tasks(state=TaskState.READY, manual=True))
    waiting = sorted((t.task_spec.bpmn_id, json.dumps(t._get_internal_data("event_value"), default=str))
                     for t in wf.get_tasks(state=TaskState.WAITING) if hasattr(t.task_spec, "event_definition"))
    done = json.dumps(wf.data, sort_keys=True, default=str) if wf.is_completed() else None
    return {"ready": ready, "waiting": waiting, "completed": wf.is_completed(), "data": done}


def _comparable(data: dict) -> dict:
    """Task data as both runs can agree on it: an office note names its task by id, and ids differ."""
    note = data.get(office.NOTE)
    return {**data, office.NOTE: {k: v for k, v in note.items() if k != "task"}} if note else data


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.isolated(START):
        yield


# ---- the diagrams ------------------------------------------------------------------------------------

SIMPLE_LOOP = bpmn(process(
    "simple", start(), xor("gw_in"), user("work"), script("tally", "n = n + 1\ntotal = total + amount"),
    flow("start", "gw_in"), flow("gw_in", "work"), flow("work", "tally"), loop_back("tally", "gw_in")))


def test_a_simple_loop_keeps_one_round_and_behaves_the_same():
    twin = Twin(SIMPLE_LOOP, "simple", n=0, total=0, rounds=12)
    for round_ in range(12):
        seen = twin.complete("work", amount=round_ + 1)
    assert seen["completed"] and json.loads(seen["data"])["total"] == 78
    assert task_count(twin.plain) > 48  # twelve rounds of four tasks, all kept by SpiffWorkflow
    assert max(twin.counts) <= twin.counts[2] + 2, twin.counts  # pruned: no growth after the second round


def test_a_pruned_tree_reads_back_with_every_task_s_data():
    """Data is saved as a delta against the parent; a run that moved up keeps all of its own."""
    twin = Twin(SIMPLE_LOOP, "simple", n=0, total=0, rounds=50)
    for round_ in range(6):
        twin.complete("work", amount=round_, note=f"第{round_}轮")
    wf = twin.pruned
    ready_task(wf, "work").set_data(amount=6, note="第6轮")
    ready_task(wf, "work").run()
    wf.do_engine_steps()
    assert prune(wf) > 0  # the previous round goes
    before = {t.id: json.dumps(t.data, sort_keys=True) for t in wf.get_tasks()}
    again = state.restore(state.dump(wf), lambda: twin.specs)
    assert {t.id: json.dumps(t.data, sort_keys=True) for t in again.get_tasks()} == before
    assert ready_task(again, "work").data["note"] == "第6轮" and ready_task(again, "work").data["n"] == 7


PARALLEL_IN_LOOP = bpmn(process(
    "par", start(), xor("gw_in"), parallel("split"), user("a"), user("b"), parallel("join"),
    script("tally", "n = n + 1\nlog = log + [a_said + b_said]"),
    flow("start", "gw_in"), flow("gw_in", "split"), flow("split", "a"), flow("split", "b"),
    flow("a", "join"), flow("b", "join"), flow("join", "tally"), loop_back("tally", "gw_in")))


def test_a_loop_with_a_parallel_join_is_left_as_it_is():
    """SpiffWorkflow's parallel join looks at its tasks of every earlier round — the branch that arrived first
    and was cancelled — to decide whether all branches are in and to merge their data (here the repeated
    "xy" entries make it drop some). Pruning those rounds would change that, so it does not."""
    twin = Twin(PARALLEL_IN_LOOP, "par", n=0, rounds=8, log=[])
    for _ in range(8):
        assert twin.ready() == ["a", "b"]
        twin.complete("a", a_said="x")
        assert twin.ready() == ["b"]  # the join waits for b in every round
        seen = twin.complete("b", b_said="y")
    assert seen["completed"]  # with the same data as the unpruned run (Twin compares every step)
    assert twin.counts[-1] == task_count(twin.plain)


EMBEDDED_IN_LOOP = bpmn(process(
    "emb", start(), xor("gw_in"),
    '<bpmn:subProcess id="inner">' + start("inner_start") + user("inner_task")
    + script("inner_script", "inner_n = inner_n + 1 if 'inner_n' in dir() else 1") + end("inner_end")
    + flow("inner_start", "inner_task") + flow("inner_task", "inner_script") + flow("inner_script", "inner_end")
    + "</bpmn:subProcess>",
    script("tally", "n = n + 1"),
    flow("start", "gw_in"), flow("gw_in", "inner"), flow("inner", "tally"), loop_back("tally", "gw_in")))

CALLED_IN_LOOP = bpmn(
    process("caller", start(), xor("gw_in"), '<bpmn:callActivity id="call" calledElement="called"/>',
            script("tally", "n = n + 1"),
            flow("start", "gw_in"), flow("gw_in", "call"), flow("call", "tally"), loop_back("tally", "gw_in")),
    process("called", start("c_start"), user("called_task"), script("c_script", "said = said + [word]"),
            end("c_end"), flow("c_start", "called_task"), flow("called_task", "c_script"), flow("c_script", "c_end")),
)


@pytest.mark.parametrize(("xml", "pid", "inner"), [(EMBEDDED_IN_LOOP, "emb", "inner_task"),
                                                   (CALLED_IN_LOOP, "caller", "called_task")])
def test_a_loop_around_a_subprocess_drops_the_finished_ones(xml, pid, inner):
    twin = Twin(xml, pid, n=0, rounds=10, said=[])
    for round_ in range(10):
        assert twin.ready() == [inner]
        seen = twin.complete(inner, word=f"w{round_}")
    assert seen["completed"]
    if pid == "caller":
        assert json.loads(seen["data"])["said"] == [f"w{r}" for r in range(10)]
    assert len(twin.plain.subprocesses) == 10
    assert max(twin.counts[3:]) <= twin.counts[2] + 2, twin.counts


def test_a_subprocess_still_running_is_never_pruned():
    twin = Twin(EMBEDDED_IN_LOOP, "emb", n=0, rounds=10)
    for _ in range(4):
        twin.complete("inner_task")
    running = [sp for sp in twin.pruned.subprocesses.values() if not sp.completed]
    assert len(running) == 1 and ready_task(twin.pruned, "inner_task").workflow is running[0]
    assert len(twin.pruned.subprocesses) < len(twin.plain.subprocesses) == 5  # finished ones did go


BOUNDARY_IN_LOOP = bpmn(process(
    "bnd", start(), xor("gw_in"), script("open", "period = n"), user("report"),
    timer_boundary("reminder", "report", "PT1H", interrupting=False), script("remind", "reminded = period"),
    end("reminded_end"),
    timer_boundary("deadline", "report", "PT2H", interrupting=True), script("late", "missed = missed + 1"),
    xor("gw_done"), script("tally", "n = n + 1"),
    flow("start", "gw_in"), flow("gw_in", "open"), flow("open", "report"),
    flow("reminder", "remind"), flow("remind", "reminded_end"),
    flow("report", "gw_done"), flow("deadline", "late"), flow("late", "gw_done"), flow("gw_done", "tally"),
    loop_back("tally", "gw_in")))


def test_a_boundary_timer_on_a_looped_task_fires_alike_every_round():
    twin = Twin(BOUNDARY_IN_LOOP, "bnd", n=0, rounds=12, missed=0)
    for round_ in range(12):
        kind = round_ % 3
        assert twin.ready() == ["report"]
        if kind == 0:  # on time, no reminder
            seen = twin.complete("report", answer=round_)
        elif kind == 1:  # reminded, then on time
            twin.advance(minutes=90)
            assert twin.ready() == ["report"]
            for wf in twin.runs.values():  # the reminder's own branch ran, in this round
                reminded = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == "remind"]
                assert max(reminded, key=lambda t: t.last_state_change).data["reminded"] == round_
            seen = twin.complete("report", answer=round_)
        else:  # the deadline passes: the report is missed
            seen = twin.advance(minutes=150)
    data = json.loads(seen["data"])
    assert data["missed"] == 4 and data["n"] == 12
    assert max(twin.counts[6:]) <= max(twin.counts[:6]) + 2, twin.counts


def test_a_waiting_deadline_keeps_its_due_time_after_pruning():
    twin = Twin(BOUNDARY_IN_LOOP, "bnd", n=0, rounds=50, missed=0)
    for round_ in range(5):
        twin.advance(minutes=10)
        twin.complete("report", answer=round_)
    assert twin.counts[-1] < task_count(twin.plain)
    due = dict(view(twin.pruned)["waiting"])["deadline"]
    assert due == dict(view(twin.plain)["waiting"])["deadline"]
    seen = twin.advance(minutes=119)
    assert twin.ready() == ["report"] and seen["waiting"]
    seen = twin.advance(minutes=2)
    assert twin.ready() == ["report"]  # the next round: the deadline fired in both


# ---- what the office verbs need (webapp/engine/office.py) --------------------------------------------

REVIEW_LOOP = bpmn(process(
    "rev", start(), xor("gw_in"), user("draft"), script("count", "n = n + 1"),
    user("review", {"returnTo": "draft"}),
    flow("start", "gw_in"), flow("gw_in", "draft"), flow("draft", "count"), flow("count", "review"),
    loop_back("review", "gw_in")))


def test_sending_back_finds_the_latest_run_of_the_step():
    """退回 resets the case to the nearest completed run of the step named in `returnTo`, with its data."""
    twin = Twin(REVIEW_LOOP, "rev", n=0, rounds=20)
    for round_ in range(6):
        twin.complete("draft", text=f"第{round_}稿")
        twin.complete("review")
    twin.complete("draft", text="第6稿")
    assert twin.counts[-1] < task_count(twin.plain) - 10
    for wf in twin.runs.values():
        target = office._earlier(ready_task(wf, "review"), "draft")
        assert target is not None and target.data["text"] == "第6稿"
        office._reopen(wf, target, {"verb": "returned", "by": "火炬中心", "reason": "补充材料"})
    seen = twin._step()
    assert twin.ready() == ["draft"]
    assert json.loads(dict(seen["ready"])["draft"])["office_note"]["reason"] == "补充材料"
    twin.complete("draft", text="第6稿（修改）")
    seen = twin.complete("review")
    assert twin.ready() == ["draft"] and json.loads(dict(seen["ready"])["draft"])["n"] == 7


AUTOMATIC_LOOP_AFTER_A_STEP = bpmn(process(
    "auto", start(), user("submit"), parallel("split"), user("next"),
    xor("gw_in"), '<bpmn:intermediateCatchEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeDuration>'
    '"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
    script("tally", "n = n + 1"),
    flow("start", "submit"), flow("submit", "split"), flow("split", "next"), flow("split", "gw_in"),
    flow("gw_in", "tick"), flow("tick", "tally"), loop_back("tally", "gw_in"), end("next_end"),
    flow("next", "next_end")))


def test_what_ran_after_the_last_completed_step_is_kept_for_a_withdrawal():
    """撤回 resets the last completed step and refuses if anything ran after it: all of that stays."""
    twin = Twin(AUTOMATIC_LOOP_AFTER_A_STEP, "auto", n=0, rounds=30)
    twin.complete("submit", text="申报书")
    for _ in range(8):
        twin.advance(minutes=61)
    submitted = [t for t in twin.pruned.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == "submit"]
    assert len(submitted) == 1
    assert len(list(submitted[0])) == len(list(next(t for t in twin.plain.get_tasks(state=TaskState.COMPLETED)
                                                     if t.task_spec.bpmn_id == "submit")))
    twin.complete("next")  # a later step completed: the withdrawal is over, the loop may be pruned
    for _ in range(8):
        twin.advance(minutes=61)
    assert twin.counts[-1] < task_count(twin.plain) - 20


def test_the_case_page_still_marks_elements_that_ran_only_in_pruned_rounds():
    twin = Twin(BOUNDARY_IN_LOOP, "bnd", n=0, rounds=20, missed=0)
    twin.advance(minutes=150)  # round 1: reminded, then the deadline passes
    twin.advance(minutes=90)  # round 2: reminded (the end of round 1's reminder is no longer awaited)…
    for round_ in range(5):  # …and on time from then on
        twin.complete("report", answer=round_)
    marks = history_marks(twin.pruned)
    ran = {t.task_spec.bpmn_id for t in twin.pruned.get_tasks(state=TaskState.COMPLETED)}
    assert "late" not in ran  # the only run of 'late' was pruned…
    assert marks["late"] == "completed" and marks["deadline"] == "completed"  # …and is remembered
    assert marks["report"] == "completed"  # completed in other rounds: that wins over its cancelled run
    assert "late" in {t.task_spec.bpmn_id for t in twin.plain.get_tasks(state=TaskState.COMPLETED)}
