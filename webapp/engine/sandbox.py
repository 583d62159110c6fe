"""Sandboxed evaluation of everything a diagram can say in Python.

SpiffWorkflow's default environment is plain eval/exec with full builtins (engine-notes.md): a diagram
could import os or read the database credentials. Conditions, scripts, timer expressions, service-task
parameters and DMN cells all pass through this environment instead, compiled by RestrictedPython (with the
budget policy of sandbox_policy.py), and run within the time and size budgets of budget.py. Task templates
are rendered by the bounded Jinja sandbox of sandbox_jinja.py.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from RestrictedPython import compile_restricted
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from webapp.clock import CHINA, clock

from . import budget as _budget
from .budget import Budget, DiagramBudgetExceeded, DiagramScriptError, check_duration
from .sandbox_jinja import BoundedEnvironment
from .sandbox_jinja import render as _render
from .sandbox_policy import BudgetedPolicy
from .sentences import tidy

log = logging.getLogger(__name__)

__all__ = ["DiagramBudgetExceeded", "DiagramScriptError", "SandboxedDataEnvironment", "compile_sandboxed",
           "configure_budgets", "render_instructions", "render_text"]


def configure_budgets(time_seconds: float | None = None, size_bytes: int | None = None) -> None:
    """The time budget (seconds per evaluation) and size budget (bytes per value) of diagram code, for this
    process; create_app passes DIAGRAM_TIME_BUDGET_SECONDS and DIAGRAM_SIZE_BUDGET_BYTES."""
    _budget.configure(time_seconds, size_bytes)


_SAFE_BUILTINS: dict[str, Any] = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "len", "min", "max", "sum", "round", "abs", "sorted", "any", "all", "int", "float", "str",
        "bool", "list", "dict", "set", "tuple", "range", "enumerate", "zip", "isinstance", "reversed",
        "True", "False", "None",
    )
}


def duration_delta(duration: str, start: datetime):
    """An ISO 8601 duration from `start` (months and years as calendar units, as SpiffWorkflow's timers
    count them), refused past MAX_DURATION_MONTHS: SpiffWorkflow adds the months up one by one."""
    check_duration(duration)
    return TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(duration), start)


def add_duration(start: str, duration: str) -> str:
    """ISO datetime + ISO 8601 duration (months and years as calendar units) → ISO datetime, in the zone given.
    Months and years count on China's calendar: the clock is UTC, where midnight of 1 January in China is still
    31 December, and six months from that fell on 2 July instead of 1 July."""
    begin = datetime.fromisoformat(start)
    local = begin.astimezone(CHINA) if begin.tzinfo is not None else begin
    # Same calendar arithmetic as SpiffWorkflow's own duration timers, so both agree.
    end = local + duration_delta(duration, local)
    return (end.astimezone(begin.tzinfo) if begin.tzinfo is not None else end).isoformat()


def now_iso() -> str:
    return clock.now().isoformat()


def china_date(iso: str) -> str:
    """An ISO datetime as the calendar date people in Inner Mongolia read (China time), YYYY-MM-DD."""

    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d")


def day_end(iso: str) -> str:
    """The end of the day (China time) an instant falls in: the next midnight, or the instant itself when it
    is one. A period counted in days ends with its last day whole — a step opened at 09:02 and given 15 days is
    due at the end of the 15th day — which is how people read 截止某日（含当日）; a deadline at 09:02 of that day
    lapsed a case on the day it had been told was still included."""
    from datetime import timedelta

    local = datetime.fromisoformat(iso).astimezone(CHINA)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local.isoformat()
    return (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).isoformat()


HELPERS = {"add_duration": add_duration, "now_iso": now_iso, "china_date": china_date, "day_end": day_end}


def _last_day_helper(iso: str) -> str:  # defined below; a helper for diagrams too
    return last_day(iso)


HELPERS["last_day"] = _last_day_helper


def _restricted_globals(budget: Budget) -> dict[str, Any]:
    """The names compiled diagram code sees besides the task data: guarded builtins, RestrictedPython's
    guards and the budget's (bound to `budget`), the helpers."""
    return {
        "__builtins__": {**_SAFE_BUILTINS, **budget.builtins()},
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        **budget.guards(),
        **HELPERS,
    }


@lru_cache(maxsize=2048)
def compile_sandboxed(source: str, mode: str):
    try:
        return compile_restricted(source, filename="<diagram>", mode=mode, policy=BudgetedPolicy)
    except SyntaxError as exc:  # RestrictedPython's errors carry no line number
        raise DiagramScriptError(f"{exc.msg if hasattr(exc, 'msg') else exc}: {source!r}") from None


class SandboxedDataEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment whose eval/exec go through RestrictedPython, within the budgets. One environment
    serves one case in one action (runtime.AppScriptEngine), so its Budget also caps the action's total."""

    def __init__(self, environment_globals=None):
        super().__init__(environment_globals)
        self.budget = Budget()
        self._globals: dict[str, Any] | None = None

    def _guards(self) -> dict[str, Any]:
        if self._globals is None:
            self._globals = _restricted_globals(self.budget)
        return self._globals

    def evaluate(self, expression, context, external_context=None):
        code = compile_sandboxed(expression, "eval")
        # Guards last, so task data named like a guard (e.g. "_getattr_") cannot replace it.
        scope = {**context, **(external_context or {}), **self._guards()}
        budget = self.budget
        budget.begin()
        try:
            result = eval(code, scope)  # noqa: S307 - restricted bytecode, guarded builtins
            budget.finish()
            return budget.check_value(result, "the value of the expression")
        finally:
            budget.end()

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = compile_sandboxed(script, "exec")
        base = {**(external_context or {}), **self._guards()}
        scope = {**context, **base}
        budget = self.budget
        budget.begin()
        try:
            exec(code, scope)  # noqa: S102 - restricted bytecode, guarded builtins
            budget.finish()
            kept = {key: value for key, value in scope.items()
                    if not (key.startswith("_") or callable(value) or (key in base and base[key] is value))}
            # What the script wrote (new or changed values, and the containers it may have grown in place).
            written = [value for key, value in kept.items()
                       if key not in context or context[key] is not value or isinstance(value, list | dict | set)]
            budget.check_value(written, "the data the script wrote")
        finally:
            budget.end()
        for key in list(context):
            if key not in scope:
                del context[key]  # the script deleted it
        for key, value in kept.items():
            context[key] = copy.deepcopy(value) if isinstance(value, dict | list) else value
        return True

    def check_for_overwrite(self, context, external_context):
        clash = set(HELPERS).intersection(context)
        if clash:
            raise DiagramScriptError(f"task data overwrites a helper function: {sorted(clash)}")


def _china_date_filter(value) -> str:
    try:
        return china_date(value if isinstance(value, str) else value.isoformat())
    except (ValueError, AttributeError, TypeError):
        return ""


def last_day(iso: str) -> str:
    """The last whole day before an end instant, in China time: a period that ends at 2026-12-09 00:00
    runs to 2026-12-08 inclusive (含当日), which is how people read a closing date."""
    from datetime import timedelta

    local = datetime.fromisoformat(iso).astimezone(CHINA)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        local -= timedelta(days=1)
    return local.strftime("%Y-%m-%d")


def deadline_day(due) -> str:
    """A deadline as people read it ("" for none), in China time. One at midnight ends a day: 2027-01-31 00:00
    is the last day 2027-01-30 (含当日). Any other is an hour of its day, and says so (2026-12-11 09:02): a
    step due ten days after it opened is overdue from that hour, and the date alone read as the whole day."""
    if due is None:
        return ""
    local = due.astimezone(CHINA)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return last_day(due.isoformat())
    return f"{local:%Y-%m-%d %H:%M}"


def _last_day_filter(value) -> str:
    try:
        return last_day(value if isinstance(value, str) else value.isoformat())
    except (ValueError, AttributeError, TypeError):
        return ""


def _score_filter(value) -> str:
    from webapp.labels import as_score

    try:
        return as_score(value)
    except Exception:
        return str(value)


_FILTERS = {"china_date": _china_date_filter, "last_day": _last_day_filter, "score": _score_filter}
_jinja = BoundedEnvironment(autoescape=True)
_jinja.filters.update(_FILTERS)
_text = BoundedEnvironment(autoescape=False)  # for notifications and flashed messages (escaped where shown)
_text.filters.update(_FILTERS)


def render_instructions(template_text: str, data: dict) -> Markup:
    """Render a diagram's documentation for the user (sandboxed Jinja; values HTML-escaped once)."""
    try:
        # A value that ends its own sentence, put before the template's 。, reads with one mark (…人。请在…).
        return Markup(tidy(_render(_jinja, template_text, data)))
    except DiagramBudgetExceeded as exc:  # shown on a page: the page still opens; the log says why
        log.warning("task instructions not rendered: %s", exc)
        return Markup.escape(template_text)
    except Exception:  # a bad template must not break the task page
        return Markup.escape(template_text)


def render_text(template_text: str | None, data: dict, *, strict: bool = False) -> str:
    """A diagram's message template (`openedBecause`, `warning`) as plain text; empty when it says nothing.
    Sandboxed like the instructions; a faulty template says nothing rather than breaking the step. With
    `strict` (the engine, while it saves a step) a template past its budget fails the step instead."""
    if not template_text:
        return ""
    try:
        return tidy(" ".join(_render(_text, template_text, data).split()))
    except DiagramBudgetExceeded as exc:
        if strict:
            raise
        log.warning("a task template not rendered: %s", exc)
        return ""
    except Exception:
        return ""
