"""Task templates (instructions, `openedBecause`, `warning`) rendered in Jinja's sandbox within the budgets.

Jinja's sandbox stops a template from reaching Python's internals, not from running long: a loop over
`range(100000)` inside another, a recursive macro, `'x' * 10**9` or `"%999999999d"|format(1)` keep a worker
busy or its memory full. Here, on top of it:

- every `{% for %}` iterates through a ticking iterator, every call (macros included) and every attribute or
  item lookup ticks — against the render's deadline (budget.py);
- `*`, `**`, `+` and `%` are intercepted and refuse a result above the size budget; so do the methods and
  filters that pad, indent, wrap, replace, format, join, batch or slice, `round` to absurd precision;
  `str.format` is refused (its widths are unchecked) and `lipsum` removed;
- what a comparison, a `~` concatenation, a filter or a test receives, and what `{{ }}` prints, is measured;
- the output is streamed (`Template.generate`) and stops at the size budget.

Compiled templates are cached by their text: diagrams repeat the same few.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from jinja2 import nodes
from jinja2.runtime import Undefined
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg

from .budget import Budget, DiagramBudgetExceeded, DiagramScriptError, current, weight


def _budget() -> Budget:
    budget = current.get()
    if budget is None:  # the environment used outside render(): still guarded, with a deadline from now
        budget = Budget(where="a template")
        budget.begin()
    return budget


def _bounded_iter(iterable: Any) -> Any:
    if isinstance(iterable, Undefined):
        return iterable
    return _budget().getiter(iterable)


def _bounded_value(value: Any) -> Any:
    if not isinstance(value, Undefined):
        _budget().measure(value, "a value in the template")
    return value


def _bounded_range(*args: Any) -> range:
    return _budget().range_(*args)


def _wrap(node: nodes.Expr, name: str) -> nodes.Expr:
    call = nodes.Call(nodes.EnvironmentAttribute(name), [node], [], None, None)
    call.set_lineno(node.lineno or 1)
    return call


def _bound(tree: nodes.Template) -> None:
    """Route the template's loops and the values its expressions hand on through the budget."""
    for node in list(tree.find_all((nodes.For, nodes.Concat, nodes.Compare, nodes.Filter, nodes.Test))):
        if isinstance(node, nodes.For):
            node.iter = _wrap(node.iter, "bounded_iter")
        elif isinstance(node, nodes.Concat):
            node.nodes = [_wrap(n, "bounded_value") for n in node.nodes]
        elif isinstance(node, nodes.Compare):
            node.expr = _wrap(node.expr, "bounded_value")
            for operand in node.ops:
                operand.expr = _wrap(operand.expr, "bounded_value")
        else:
            if node.node is not None:  # None inside {% filter %}: the block's output, already measured
                node.node = _wrap(node.node, "bounded_value")
            node.args = [_wrap(a, "bounded_value") for a in node.args]
            for keyword in node.kwargs:
                keyword.value = _wrap(keyword.value, "bounded_value")


# ---- filters that can build a large value from small arguments ----------------------------------------


def _guarded_filter(original, predict):
    """`original` with `predict(budget, *its arguments)` first; Jinja's own arguments (environment,
    eval context) are passed on untouched."""
    skip = 1 if _PassArg.from_obj(original) is not None else 0

    @functools.wraps(original)  # keeps the pass_environment / pass_eval_context marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        replaced = predict(_budget(), *args[skip:], **kwargs)
        if replaced is not None:
            args = (*args[:skip], *replaced)
        return original(*args, **kwargs)

    return guarded


def _center(budget: Budget, value: Any, width: Any = 80) -> None:
    budget.allow(max(len(str(value)), operator.index(width)), "centred text")


def _indent(budget: Budget, text: Any, width: Any = 4, *args: Any, **kwargs: Any) -> None:
    text = str(text)
    step = len(width) if isinstance(width, str) else operator.index(width)
    budget.allow(len(text) + (text.count("\n") + 1) * max(0, step), "indented text")


def _wordwrap(budget: Budget, text: Any, width: Any = 79, break_long_words: Any = True, wrapstring: Any = None,
              *args: Any, **kwargs: Any) -> None:
    text, wrap = str(text), str(wrapstring or kwargs.get("wrapstring") or "\n")
    lines = len(text) // max(1, operator.index(width)) + text.count("\n") + 1
    budget.allow(len(text) + lines * len(wrap), "wrapped text")


def _replace(budget: Budget, text: Any, old: Any, new: Any, count: Any = None) -> None:
    text, old, new = str(text), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    if count is not None:
        found = min(found, max(0, operator.index(count)))
    budget.allow(len(text) + found * max(0, len(new) - len(old)), "the replaced text")


def _format(budget: Budget, value: Any, *args: Any, **kwargs: Any) -> None:
    budget.allow(budget._percent_size(str(value), kwargs or args), "formatted text")


def _join(budget: Budget, value: Any, d: Any = "", *args: Any, **kwargs: Any):
    items = value if type(value) in (list, tuple) else list(value)
    budget.allow(weight(items, budget.size, budget) + len(str(d)) * max(0, len(items) - 1), "the joined text")
    return (items, d, *args)


def _count(what: str):
    def predict(budget: Budget, value: Any, count: Any, *args: Any, **kwargs: Any) -> None:
        budget.allow(operator.index(count) * 8, what)

    return predict


def _round(budget: Budget, value: Any, precision: Any = 0, *args: Any, **kwargs: Any) -> None:
    if isinstance(precision, int) and abs(precision) > 4300:
        budget.refuse("rounding to that many digits")


_FILTER_GUARDS = {"center": _center, "indent": _indent, "wordwrap": _wordwrap, "replace": _replace,
                  "format": _format, "join": _join, "batch": _count("batches"), "slice": _count("slices"),
                  "round": _round}


class BoundedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with the budgets (see the module's text)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any):
        super().__init__(finalize=_bounded_value, **options)
        self.globals["range"] = _bounded_range
        self.globals.pop("lipsum", None)
        for name, predict in _FILTER_GUARDS.items():
            self.filters[name] = _guarded_filter(self.filters[name], predict)

    bounded_iter = staticmethod(_bounded_iter)
    bounded_value = staticmethod(_bounded_value)

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        _bound(source)
        return super()._generate(source, name, filename, defer_init=defer_init)

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        budget = _budget()
        guard = {"*": budget.mul, "**": budget.pow, "+": budget.add, "%": budget.mod}.get(operator_)
        return guard(left, right) if guard else super().call_binop(context, operator_, left, right)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _budget().tick()
        return super().call(context, obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        budget = _budget()
        budget.tick()
        return budget.guard_method(obj, attribute, super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        budget = _budget()
        budget.tick()
        if type(argument) is tuple:
            budget.deep(argument)
        value = super().getitem(obj, argument)
        return budget.guard_method(obj, argument, value) if isinstance(argument, str) else value


@functools.lru_cache(maxsize=512)
def _compiled(environment: BoundedEnvironment, source: str):
    return environment.from_string(source)


def render(environment: BoundedEnvironment, source: str, data: dict) -> str:
    """`source` rendered with `data` within the budgets; DiagramBudgetExceeded past them, other errors as
    Jinja raises them."""
    template = _compiled(environment, source)
    budget = Budget(where="a template")
    budget.begin()
    token = current.set(budget)
    try:
        parts, size = [], 0
        for chunk in template.generate(**data):
            size += len(chunk)
            if size > budget.size:
                budget.refuse("the rendered text")
            budget.tick()
            parts.append(chunk)
        budget.finish()
        return "".join(parts)
    finally:
        current.reset(token)
        budget.end()


__all__ = ["BoundedEnvironment", "DiagramBudgetExceeded", "DiagramScriptError", "render"]
