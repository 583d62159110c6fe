"""Keeping a case's saved state from growing with the years (issue 10, item 2).

SpiffWorkflow keeps every task a case ever ran in its task tree: a loop does not go back to its earlier
tasks, it appends a new copy of them under the last. A space's lifecycle loops every half-year and every
three years, so its tree grew without end (about 340 tasks after ten years, against 62 in year one), and
so did the time to load, run and save it. The tree also got deeper every round, and SpiffWorkflow's task
iterator stops looking at depth 1,000: a case old enough would have stopped seeing its own open steps.

`prune`, called on every save, cuts finished loop rounds out, for any diagram: where a path in a task tree
holds an older and a newer run of the same element (X_old an ancestor of X_new) and everything from X_old
down to X_new's parent has finished, with nothing still running on any branch hanging off it, the newer
run takes the older one's place: X_new's parent becomes X_old's parent, and the runs in between go, with
their side branches and any sub-process they hold. What is left looks like a case that went round the loop
once and is now in its latest round. X_new keeps its own data: SpiffWorkflow holds each task's full data in
memory and saves it as a delta against the parent, so the new parent only changes what the delta is taken
against.

Conservative on purpose — it prunes less rather than guess:
- X_new has finished (COMPLETED) and is no user task: a task still to run or waiting (a timer merges its
  parent's data at every refresh, a join when it fires), or one the office verbs may reset (a reset task
  takes its parent's data again), would read the wrong parent. Joins are never X (gateways look at their
  inputs through their parents), nor is a step with boundary events (its parent is the split that re-arms
  them); MI instances and event sub-processes (triggered tasks) are left alone.
- A loop with a parallel or inclusive join is not pruned across it: SpiffWorkflow's join looks at its
  cancelled tasks of every earlier round, to count arrivals and to merge their data (`_counted_join`).
- The office verbs keep what they need (webapp/engine/office.py): on every path to an unfinished task, the
  nearest completed run of each step some `returnTo` names (退回 resets to it, with its data); and the whole
  branch after the case's most recently completed user task (撤回 resets that one, and refuses when anything
  automatic ran after it).
- Only what had finished at the previous save goes, so whoever looked after each step saw it (the designer's
  trial run lists every element that ran).
- A branch that reached an end event while others run on (the lifecycle's reminder, 已提醒) leaves an end
  join waiting that never goes on (`_spent_end`); it goes with its round. One difference remains, only when
  a (sub-)process with such a branch in a loop ends: SpiffWorkflow merges into its final data the data of
  every earlier branch that reached an end event, and a pruned round's branch is no longer among them. No
  bundled diagram has one (the lifecycle's 在册管理 never ends that way).

What the case page's diagram marks as having run is kept in the root task: `history_marks`. The audit trail
and the dossier are database rows; nothing here touches them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import EventSplit, _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

KEY = "pruning"  # in the top workflow's root task's internal data (never seen by the diagram's scripts)
CUTOFF = "_pruning_cutoff"  # on the workflow object while it is in memory (not saved)
_CLEARED = TaskState.COMPLETED | TaskState.CANCELLED


def prune(wf) -> int:
    """Drop what a long-running case no longer needs from its task tree; returns how many tasks went."""
    book = dict(wf.task_tree.internal_data.get(KEY) or {})
    # "The previous save" is the one before this workflow was read: a unit of work that saves one case twice
    # (messages back and forth) keeps the workflow in memory, and must not prune what it finished itself.
    if not hasattr(wf, CUTOFF):
        setattr(wf, CUTOFF, book.get("saved_at"))
    cutoff = getattr(wf, CUTOFF)
    removed = 0
    if cutoff is not None:
        marks = dict(book.get("marks") or {})
        run = _Run(wf, float(cutoff), marks)
        removed = run.prune()
        if removed:
            book["marks"] = marks
    book["saved_at"] = time.time()  # the tasks' own clock (Task.last_state_change), not the app's
    wf.task_tree.internal_data[KEY] = book
    return removed


def history_marks(wf) -> dict[str, str]:
    """Diagram elements whose runs were pruned: element id -> "completed" | "cancelled" (a cancelled one
    only if it is an activity, as the case page draws them). The case page adds these to what it reads
    from the task tree."""
    return dict((wf.task_tree.internal_data.get(KEY) or {}).get("marks") or {})


def task_count(wf) -> int:
    """Tasks in the tree, sub-processes included (for measurements and tests)."""
    return len(wf.tasks) + sum(len(sp.tasks) for sp in wf.subprocesses.values())


# ---- the work ---------------------------------------------------------------------------------------


@dataclass
class _Run:
    top: object
    cutoff: float
    marks: dict
    frozen: set = field(default_factory=set)
    targets: set = field(default_factory=set)

    def prune(self) -> int:
        self.frozen = self._after_last_user_step()
        self.targets = self._return_targets()
        removed = 0
        for workflow in self._workflows():
            if workflow is not self.top and (self.top.subprocesses.get(workflow.parent_task_id) is not workflow
                                             or workflow.parent_task_id in self.frozen):
                continue  # dropped with its task a moment ago, or the office verbs may still need it
            while (splice := self._best_splice(workflow)) is not None:
                removed += self._splice(workflow, *splice)
        return removed

    def _workflows(self) -> list:
        # Parents before their sub-processes; a sub-process dropped on the way is skipped.
        return [self.top, *sorted(self.top.subprocesses.values(), key=lambda sp: sp.depth)]

    def _after_last_user_step(self) -> set[UUID]:
        """The most recently completed user task and everything after it (sub-processes included): 撤回 may
        still reset that task, and checks what ran after it."""
        last = None
        for workflow in [self.top, *self.top.subprocesses.values()]:
            for task in workflow.tasks.values():
                if task.state == TaskState.COMPLETED and task.task_spec.manual and (
                        last is None or task.last_state_change > last.last_state_change):
                    last = task
        if last is None:
            return set()
        frozen: set[UUID] = set()
        stack = [last]
        while stack:
            task = stack.pop()
            frozen.add(task.id)
            stack.extend(task.children)
            sub = self.top.subprocesses.get(task.id)
            if sub is not None:
                stack.append(sub.task_tree)
        return frozen

    # -- reading one workflow's tree

    def _subprocess_done(self, task) -> bool:
        """No sub-process, or one that has ended and is old enough to go with its task."""
        sub = self.top.subprocesses.get(task.id)
        if sub is None:
            return True
        for inner in sub.tasks.values():
            if not inner.has_state(_CLEARED) or inner.last_state_change > self.cutoff or inner.id in self.frozen:
                return False
            if not self._subprocess_done(inner):
                return False
        return True

    def _survey(self, workflow):
        """For each task: alive (unfinished, or something unfinished after it) and clear (it and everything
        after it finished before the previous save, none of it needed by the office verbs)."""
        alive: dict[UUID, bool] = {}
        clear: dict[UUID, bool] = {}
        order = []
        stack = [workflow.task_tree]
        while stack:
            task = stack.pop()
            order.append(task)
            stack.extend(task.children)
        for task in reversed(order):  # children before parents
            if _spent_end(task):
                alive[task.id] = False
                clear[task.id] = task.last_state_change <= self.cutoff and task.id not in self.frozen
                continue
            children = task.children
            done = self._subprocess_done(task)
            alive[task.id] = (not task.has_state(TaskState.FINISHED_MASK)) or not done or any(
                alive[c.id] for c in children)
            clear[task.id] = (task.has_state(_CLEARED) and task.last_state_change <= self.cutoff and done
                              and task.id not in self.frozen and not task.triggered and not _counted_join(task)
                              and all(clear[c.id] for c in children))
        return order, alive, clear

    def _return_targets(self) -> set[str]:
        """The steps any step of this case may send it back to (their `returnTo`, in the diagram)."""
        from .office import RETURN_TO, return_targets

        found: set[str] = set()
        for spec in [self.top.spec, *self.top.subprocess_specs.values()]:
            for task_spec in spec.task_specs.values():
                properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
                if properties.get(RETURN_TO):
                    found.update(return_targets(properties))
        return found

    def _kept_for_returns(self, workflow, order) -> set[UUID]:
        """On each path to an unfinished task, the nearest completed run of every step some `returnTo` names:
        退回 resets the case to it (office._earlier), and a step not open yet will look for it the same way."""
        targets = self.targets
        kept: set[UUID] = set()
        if not targets:
            return kept
        for task in order:
            parent = task.parent
            if task.has_state(TaskState.FINISHED_MASK) or (parent is not None and not parent.has_state(
                    TaskState.FINISHED_MASK)) or _spent_end(task):
                continue
            seen: set[str] = set()
            node = parent
            while node is not None:
                spec = node.task_spec
                if (node.state == TaskState.COMPLETED and spec.manual and spec.name not in seen
                        and (spec.name in targets or spec.bpmn_id in targets)):
                    seen.add(spec.name)
                    kept.add(node.id)
                node = node.parent
        return kept

    def _best_splice(self, workflow):
        order, alive, clear = self._survey(workflow)
        kept = self._kept_for_returns(workflow, order)
        depth = {workflow.task_tree.id: 0}
        for task in order:  # parents come before children in `order`
            if task.parent is not None:
                depth[task.id] = depth[task.parent.id] + 1

        def removable(node, via) -> bool:
            """`node` may go, as a run on the path, with its other branches (all finished and old)."""
            return (node.state == TaskState.COMPLETED and node.last_state_change <= self.cutoff
                    and node.id not in kept and node.id not in self.frozen and not node.triggered
                    and self._subprocess_done(node)
                    and all(clear[c.id] for c in node.children if c.id != via.id))

        candidates = [t for t in order if alive[t.id] and t.state == TaskState.COMPLETED and _may_move(t)]
        for newer in sorted(candidates, key=lambda t: -depth[t.id]):
            best, via, node = None, newer, newer.parent
            while node is not None and removable(node, via):
                if node.task_spec is newer.task_spec and _may_take_place_of(node):
                    best = node
                via, node = node, node.parent
            if best is not None:
                return best, newer
        return None

    # -- changing it

    def _splice(self, workflow, older, newer) -> int:
        """`newer` takes the place of `older`; the runs from `older` down to `newer`'s parent go."""
        gone = []
        node = newer.parent
        via = newer
        while True:
            gone.append(node)
            stack = [c for c in node.children if c.id != via.id]
            while stack:  # the finished branches hanging off the runs that go
                task = stack.pop()
                gone.append(task)
                stack.extend(task.children)
            if node is older:
                break
            via, node = node, node.parent
        anchor = older.parent
        anchor._children[anchor._children.index(older.id)] = newer.id
        newer._parent = anchor.id
        count = 0
        for task in gone:
            workflow.tasks.pop(task.id, None)
            self.top.event_manager.tasks.pop(task.id, None)
            self._remember(task)
            count += 1 + self._drop_subprocess(task.id)
        if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
            workflow.last_task = newer
        return count

    def _drop_subprocess(self, task_id: UUID) -> int:
        sub = self.top.subprocesses.pop(task_id, None)
        if sub is None:
            return 0
        count = 0
        for task in sub.tasks.values():
            self.top.event_manager.tasks.pop(task.id, None)
            self._remember(task)
            count += 1 + self._drop_subprocess(task.id)
        return count

    def _remember(self, task) -> None:
        """What the case page's diagram draws for a run that goes (webapp/supervision/case_state.py: a
        completed element; a cancelled activity, not a cancelled event or gateway)."""
        spec = task.task_spec
        element = getattr(spec, "bpmn_id", None)
        if not element:
            return
        if task.state == TaskState.COMPLETED:
            self.marks[element] = "completed"
        elif (task.state == TaskState.CANCELLED and not isinstance(spec, CatchingEvent)
              and "Gateway" not in type(spec).__name__ and element not in self.marks):
            self.marks[element] = "cancelled"


def _counted_join(task) -> bool:
    """A parallel or inclusive gateway's join that ended off the path (a branch that arrived first and was
    cancelled when the last one came). SpiffWorkflow's joins look at every such task of theirs, of every
    round: to decide whether all branches have arrived, and to merge their data. Removing one would change
    what a later round's join does, so a loop with such a join is not pruned across it."""
    return isinstance(task.task_spec, UnstructuredJoin) and not isinstance(task.task_spec, _EndJoin)


def _spent_end(task) -> bool:
    """A branch that reached an end event while others still run: its end join waits, but never goes on.
    SpiffWorkflow lets only the last branch to end finish the process; the join of a branch that ended
    earlier is cancelled when the next one arrives (UnstructuredJoin). Every path of a deployed diagram ends
    in an end event (webapp/engine/checks/structure.py), so one always does. Such a branch — e.g. the
    lifecycle's reminder, 已提醒 — would otherwise hold its whole round in the tree until the next reminder."""
    parent = task.parent
    return (isinstance(task.task_spec, _EndJoin) and task.state == TaskState.WAITING
            and parent is not None and parent.has_state(TaskState.FINISHED_MASK))


def _may_move(task) -> bool:
    """May this finished run take the place of an older one of the same element? Not a user task: the office
    verbs may reset it, and a reset task takes its parent's data again."""
    parent = task.parent
    return (parent is not None and not task.triggered and not task.task_spec.manual
            and not isinstance(task.task_spec, Join) and not isinstance(parent.task_spec, EventSplit))


def _may_take_place_of(task) -> bool:
    """May an older run be replaced (its parent adopting the newer one)?"""
    parent = task.parent
    return parent is not None and not task.triggered and not isinstance(parent.task_spec, EventSplit)
