"""Sandboxed evaluation of everything a diagram can say in Python.

SpiffWorkflow's default environment is plain eval/exec with full builtins (engine-notes.md): a diagram
could import os or read the database credentials. Conditions, scripts, timer expressions, service-task
parameters and DMN cells all pass through this environment instead, compiled by RestrictedPython.
"""

from __future__ import annotations

import copy
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2.sandbox import SandboxedEnvironment as _JinjaSandbox
from markupsafe import Markup
from RestrictedPython import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .clock import clock


class DiagramScriptError(Exception):
    """A script or expression in a diagram is not allowed or does not compile."""


_SAFE_BUILTINS: dict[str, Any] = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "len", "min", "max", "sum", "round", "abs", "sorted", "any", "all", "int", "float", "str",
        "bool", "list", "dict", "set", "tuple", "range", "enumerate", "zip", "isinstance", "reversed",
        "True", "False", "None",
    )
}


def add_duration(start: str, duration: str) -> str:
    """ISO datetime + ISO 8601 duration (months and years as calendar units) → ISO datetime."""
    begin = datetime.fromisoformat(start)
    # Same calendar arithmetic as SpiffWorkflow's own duration timers, so both agree.
    delta = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(duration), begin)
    return (begin + delta).isoformat()


def now_iso() -> str:
    return clock.now().isoformat()


def china_date(iso: str) -> str:
    """An ISO datetime as the calendar date people in Inner Mongolia read (China time), YYYY-MM-DD."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")


HELPERS = {"add_duration": add_duration, "now_iso": now_iso, "china_date": china_date}


def _last_day_helper(iso: str) -> str:  # defined below; a helper for diagrams too
    return last_day(iso)


HELPERS["last_day"] = _last_day_helper


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    ops = {"+=": lambda: x + y, "-=": lambda: x - y, "*=": lambda: x * y, "/=": lambda: x / y}
    if op not in ops:
        raise DiagramScriptError(f"operator {op} is not allowed in diagram scripts")
    return ops[op]()


def _restricted_globals() -> dict[str, Any]:
    return {
        "__builtins__": dict(_SAFE_BUILTINS),
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplacevar,
        **HELPERS,
    }


@lru_cache(maxsize=2048)
def compile_sandboxed(source: str, mode: str):
    try:
        return compile_restricted(source, filename="<diagram>", mode=mode)
    except SyntaxError as exc:  # RestrictedPython's errors carry no line number
        raise DiagramScriptError(f"{exc.msg if hasattr(exc, 'msg') else exc}: {source!r}") from None


class SandboxedDataEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment whose eval/exec go through RestrictedPython."""

    def evaluate(self, expression, context, external_context=None):
        code = compile_sandboxed(expression, "eval")
        # Guards last, so task data named like a guard (e.g. "_getattr_") cannot replace it.
        scope = {**context, **(external_context or {}), **_restricted_globals()}
        return eval(code, scope)  # noqa: S307 - restricted bytecode, guarded builtins

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = compile_sandboxed(script, "exec")
        base = {**(external_context or {}), **_restricted_globals()}
        scope = {**context, **base}
        exec(code, scope)  # noqa: S102 - restricted bytecode, guarded builtins
        for key in list(context):
            if key not in scope:
                del context[key]  # the script deleted it
        for key, value in scope.items():
            if key.startswith("_") or callable(value) or (key in base and base[key] is value):
                continue
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
    from zoneinfo import ZoneInfo

    local = datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Shanghai"))
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        local -= timedelta(days=1)
    return local.strftime("%Y-%m-%d")


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
_jinja = _JinjaSandbox(autoescape=True)
_jinja.filters.update(_FILTERS)
_text = _JinjaSandbox(autoescape=False)  # for notifications and flashed messages (escaped where shown)
_text.filters.update(_FILTERS)


def render_instructions(template_text: str, data: dict) -> Markup:
    """Render a diagram's documentation for the user (sandboxed Jinja; values HTML-escaped once)."""
    try:
        return Markup(_jinja.from_string(template_text).render(**data))
    except Exception:  # a bad template must not break the task page
        return Markup.escape(template_text)


def render_text(template_text: str | None, data: dict) -> str:
    """A diagram's message template (`openedBecause`, `warning`) as plain text; empty when it says nothing.
    Sandboxed like the instructions; a faulty template says nothing rather than breaking the step."""
    if not template_text:
        return ""
    try:
        return " ".join(_text.from_string(template_text).render(**data).split())
    except Exception:
        return ""
