"""Time and size budgets for diagram code (issue 9, item 3).

Every script, condition, timer, service-task parameter, DMN cell and task template runs with a wall-clock
deadline and a size limit per value. Neither can be a signal or a watchdog thread: `sum(range(10**12))` or
`'a' * 10**9` is one C call, which nothing inside the process interrupts. So they hold by construction:

- time: the sandbox's compiler (sandbox_policy.py) makes every loop iteration, every call of a function the
  diagram defines and every guarded operation *tick*; every TICKS ticks the clock is read and past the
  deadline the evaluation fails. An operation whose work grows with its operands (a slice, a copy, a
  method or builtin that walks a text or a container, a comparison, `in`) is charged about one tick per
  4 KB it reads or builds, and reads the clock at once past 64 KB — so twenty of them in one loop body
  cost twenty times more ticks, not one.
- size: the operations that can build a large value in one C call (`*`, `**`, `<<`, `+`, `%`, f-strings
  with widths, `range`, `str()` of containers, the padding/replacing/joining string methods, `int.to_bytes`)
  predict the size of their result *before* computing it and refuse one above the budget. The operations
  whose cost grows with the depth of a structure (comparisons, hashing for sets and dict keys, sorting,
  min/max/sum, `str()`) first measure their operands, counting a shared part each time it is reached, so a
  structure that shares itself exponentially is refused instead of being walked for hours.
- after a script, the data it wrote is measured against the size budget, and so is the value of an
  expression. Within one evaluation, all the values built add up to at most MADE_BUDGETS size budgets:
  memory cannot grow without bound between two checks (`xs.append(s[1:])` in a loop).

Once a budget is exceeded the evaluation is spoilt: a script that catches the error meets it again at its
next tick and at its end, so it cannot be swallowed. The engine never imports the Flask app: create_app
hands the configured figures to `configure()`. The guarded builtins and methods live in budget_guards.py,
measuring and the errors in budget_measure.py; import them from here.
"""

from __future__ import annotations

import operator
import re
from contextvars import ContextVar
from time import monotonic
from typing import Any

from RestrictedPython.Guards import full_write_guard, safer_getattr

from .budget_guards import (
    CHARGED_FROM,
    CHEAP,
    MAKERS,
    METHODS,
    REFUSED,
    SAFE,
    TEXT_KINDS,
    BuiltinGuards,
    GuardedWrites,
)

# Re-exported: callers (sandbox.py, sandbox_jinja.py, the tests) import these from budget.
from .budget_measure import _DURATION_LIKE, _SEQUENCES
from .budget_measure import MAX_DEPTH as MAX_DEPTH
from .budget_measure import MAX_DURATION_MONTHS as MAX_DURATION_MONTHS
from .budget_measure import DiagramBudgetExceeded as DiagramBudgetExceeded
from .budget_measure import DiagramScriptError as DiagramScriptError
from .budget_measure import check_duration as check_duration
from .budget_measure import duration_months as duration_months
from .budget_measure import weight as weight

DEFAULT_TIME_SECONDS = 1.0
DEFAULT_SIZE_BYTES = 1024 * 1024
# One action (completing a step, a timer, a message) runs many pieces of code on one case — every cell of a
# decision table, every condition; together they get this many budgets, so a table of slow cells ends too.
ACTION_BUDGETS = 10
# Integers stay far below the size budget: multiplying two of these takes microseconds, and str() of an
# integer above 4,300 digits is refused by Python itself (sys.int_info.default_max_str_digits).
MAX_INT_BITS = 1 << 16
TICKS = 1000  # ticks between two readings of the clock
_LARGE = 1 << 16  # an operation on more than this many bytes reads the clock at once
_TICK_BYTES = 12  # an operation is charged one tick per 2**12 bytes it reads or builds
# One evaluation may build values adding up to this many size budgets (the values it drops included): the
# memory it can take is bounded even though nothing frees or weighs it between two statements.
MADE_BUDGETS = 16

_settings = {"seconds": DEFAULT_TIME_SECONDS, "size": DEFAULT_SIZE_BYTES}


def configure(time_seconds: float | None = None, size_bytes: int | None = None) -> None:
    """Set the budgets for this process (create_app calls it with DIAGRAM_TIME_BUDGET_SECONDS and
    DIAGRAM_SIZE_BUDGET_BYTES)."""
    if time_seconds is not None:
        if float(time_seconds) <= 0:
            raise ValueError("the time budget must be positive")
        _settings["seconds"] = float(time_seconds)
    if size_bytes is not None:
        if int(size_bytes) < 1024:
            raise ValueError("the size budget must be at least 1024 bytes")
        _settings["size"] = int(size_bytes)


def limits() -> tuple[float, int]:
    return _settings["seconds"], _settings["size"]


# ---- the budget of one evaluation ------------------------------------------------------------------------


class Budget(BuiltinGuards):
    """The budgets of the code one sandbox environment runs (one case in one action): a deadline per
    evaluation, ACTION_BUDGETS of them in all, and the size limit. Its bound methods are the guards the
    compiled diagram code calls (see sandbox_policy.py and guards())."""

    __slots__ = ("seconds", "size", "total", "spent", "deadline", "started", "countdown", "depth", "tripped",
                 "where", "by_total", "made", "_guards")

    def __init__(self, seconds: float | None = None, size: int | None = None, total: float | None = None,
                 where: str = ""):
        self.seconds = seconds if seconds is not None else _settings["seconds"]
        self.size = size if size is not None else _settings["size"]
        self.total = total if total is not None else self.seconds * ACTION_BUDGETS
        self.where = where  # "a template" …: said in the message
        self.spent = 0.0
        self.deadline = self.started = 0.0
        self.by_total = False  # this evaluation's deadline is what is left of the action's budgets
        self.countdown = TICKS
        self.made = 0  # bytes built in this evaluation
        self.depth = 0
        self.tripped: DiagramBudgetExceeded | None = None
        self._guards: dict | None = None

    # -- time --

    def begin(self) -> None:
        if self.depth == 0:  # a nested evaluation keeps the deadline of the one it runs in
            now = monotonic()
            self.started = now
            self.by_total = self.total - self.spent < self.seconds
            self.deadline = now + max(0.0, min(self.seconds, self.total - self.spent))
            self.countdown = TICKS
            self.made = 0
            self.tripped = None
        self.depth += 1

    def end(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.spent += monotonic() - self.started

    def finish(self) -> None:
        """At the end of an evaluation: an exceeded budget fails it even if the code caught the error."""
        if self.tripped is not None:
            raise self.tripped

    def tick(self, value: Any = None) -> Any:
        self.countdown -= 1
        if self.countdown <= 0:
            self.check()
        return value

    def charge(self, nbytes: int) -> None:
        """Work in proportion to `nbytes` (read or built in one C call): that many ticks / 4096, and the clock
        at once for a large one."""
        self.countdown -= nbytes >> _TICK_BYTES
        if self.countdown <= 0 or nbytes > _LARGE:
            self.check()

    def check(self) -> None:
        if self.tripped is not None:
            raise self.tripped
        self.countdown = TICKS
        if monotonic() > self.deadline:
            if self.by_total:
                what = (f"the diagram code of this case ran longer than {self.total:g} s in all during one action "
                        f"({ACTION_BUDGETS} × MAKERSPACE_DIAGRAM_TIME_BUDGET_SECONDS)")
            else:
                what = f"ran longer than {self.seconds:g} s (MAKERSPACE_DIAGRAM_TIME_BUDGET_SECONDS)"
            self._trip("time", f"time budget exceeded{self._where()}: {what}")

    def _where(self) -> str:
        return f" in {self.where}" if self.where else ""

    def _trip(self, kind: str, message: str):
        self.tripped = DiagramBudgetExceeded(kind, message)
        self.countdown = 0  # every later tick raises it again
        raise self.tripped

    # -- size --

    def refuse(self, what: str):
        self._trip("size", f"size budget exceeded{self._where()}: {what} would be larger than {self.size:,} bytes "
                           "(MAKERSPACE_DIAGRAM_SIZE_BUDGET_BYTES)")

    def allow(self, predicted: int, what: str, made: int | None = None) -> None:
        """Refuse an operation whose result would be `predicted` bytes, above the budget; charge the
        `made` bytes it builds (all of `predicted` unless said) to the evaluation's time and total."""
        if predicted > self.size:
            self.refuse(what)
        self.produce(predicted if made is None else made)

    def produce(self, nbytes: int) -> None:
        """`nbytes` built: charged as work, and added to what this evaluation has built in all."""
        self.made += nbytes
        if self.made > self.size * MADE_BUDGETS:
            self._trip("size", f"size budget exceeded{self._where()}: the values built in one evaluation add up to "
                               f"more than {self.size * MADE_BUDGETS:,} bytes ({MADE_BUDGETS} × "
                               "MAKERSPACE_DIAGRAM_SIZE_BUDGET_BYTES)")
        self.countdown -= nbytes >> _TICK_BYTES
        if self.countdown <= 0 or nbytes > _LARGE:
            self.check()

    def weigh(self, value: Any) -> int:
        return weight(value, self.size, self)

    def fits(self, size: int, what: str) -> None:
        """An operand of `size` bytes, read but not copied: within the budget, and charged as work."""
        if size > self.size:
            self.refuse(what)
        self.charge(size)

    def measure(self, value: Any, what: str) -> None:
        self.fits(weight(value, self.size, self), what)

    def deep(self, value: Any) -> Any:
        """An operand of a comparison, or a set element or dict key about to be hashed: its cost grows with
        its whole structure, so that must fit the budget (flat values cost little and pass at once)."""
        kind = type(value)
        if kind is str:
            if len(value) > CHARGED_FROM:  # `in`, `==` and hashing read the whole text
                self.charge(len(value))
            return value
        if kind is int or kind is float or kind is bool or value is None:
            return value
        self.measure(value, "a value compared or hashed")
        return value

    def check_value(self, value: Any, what: str) -> Any:
        """The value an expression gives, or the data a script wrote: within the size budget; a duration
        within what the engine can count."""
        self.measure(value, what)
        if type(value) is str and _DURATION_LIKE.match(value):  # a timer's value: SpiffWorkflow counts its months
            check_duration(value)
        return value

    # -- iteration, items, attributes --

    def getiter(self, iterable: Any):
        return self._ticking(iterable)

    def _ticking(self, iterable: Any):
        for item in iterable:
            self.countdown -= 1
            if self.countdown <= 0:
                self.check()
            yield item

    def getitem(self, container: Any, key: Any) -> Any:
        kind = type(key)
        if kind is slice:  # a slice copies: at most the container, so built first, then charged
            value = container[key]
            kind = type(value)
            if kind is str or kind is bytes:
                self.produce(len(value))  # small ones too: many small copies add up as well
            elif kind is list or kind is tuple:
                self.produce(16 + 8 * len(value))
            return value
        if kind is tuple:
            self.deep(key)
        return container[key]

    def write(self, target: Any) -> Any:
        if type(target) is list or type(target) is dict:
            return GuardedWrites(self, target)
        return full_write_guard(target)

    def getattr(self, obj: Any, name: str, default: Any = None) -> Any:
        """RestrictedPython's attribute access: only the listed methods of the built-in types, the ones
        that can build a large value guarded; no attributes of types (e.g. `int.to_bytes`)."""
        kind = type(obj)
        rules = METHODS.get(kind)
        if rules is None:
            if isinstance(obj, type) or getattr(obj, "__self__", None) is self:  # a type, or a guarded builtin
                raise DiagramScriptError(f"attributes of types ({getattr(obj, '__name__', '?').rstrip('_')}.{name}) "
                                         "are not available in diagram code; call the method on a value")
            value = safer_getattr(obj, name, default)
            return self.guard_method(obj, name, value)
        rule = rules.get(name)
        if rule is None or rule is REFUSED:
            raise DiagramScriptError(f"{kind.__name__}.{name} is not available in diagram code")
        value = safer_getattr(obj, name, default)
        if rule is SAFE:
            if kind is not int and kind is not float and kind is not bool and len(obj) > CHARGED_FROM:
                self._charge_method(obj, name)
            return value
        return rule(self, obj, value)

    def _charge_method(self, obj: Any, name: str) -> None:
        """A safe method of a large text or container: it reads (or copies) all of it."""
        if name in CHEAP:
            return
        nbytes = len(obj) if type(obj) in TEXT_KINDS else 8 * len(obj)
        if name in MAKERS:
            self.produce(2 * nbytes if name == "hex" else nbytes)
        else:
            self.charge(nbytes)

    def guard_method(self, obj: Any, name: str, value: Any) -> Any:
        """`value`, the attribute `name` of `obj`, guarded if it is a method that can build a large value
        (for subclasses of the built-in types too, e.g. Markup in templates)."""
        for base, rules in METHODS.items():
            if isinstance(obj, base):
                rule = rules.get(name)
                if rule is REFUSED:
                    raise DiagramScriptError(f"{base.__name__}.{name} is not available in diagram code")
                if rule is SAFE:
                    if base is not int and base is not float and len(obj) > CHARGED_FROM:
                        self._charge_method(obj, name)
                elif rule is not None and callable(value):
                    return rule(self, obj, value)
                break
        return value

    # -- operators --

    def mul(self, left: Any, right: Any) -> Any:
        lkind, rkind = type(left), type(right)
        if lkind is int and rkind is int:
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                self.refuse("the product of two integers")
            return left * right
        if lkind is float or rkind is float:
            return left * right
        if isinstance(left, _SEQUENCES):
            return self._repeat(left, right)
        if isinstance(right, _SEQUENCES):
            return self._repeat(right, left)
        return left * right

    def _repeat(self, sequence: Any, times: Any) -> Any:
        try:
            count = operator.index(times)
        except TypeError:
            return sequence * times  # Python's own TypeError
        if count > 1:
            unit = weight(sequence, self.size // count + 1, self)
            self.allow(unit * count, f"a value repeated {count:,} times")
        return sequence * count

    def add(self, left: Any, right: Any) -> Any:
        lkind = type(left)
        if lkind is int or lkind is float:
            return left + right
        if lkind is str and type(right) is str:
            self.allow(len(left) + len(right), "joined text")
            return left + right
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            first = weight(left, self.size, self)
            self.allow(first + weight(right, self.size, self), "a joined sequence")
        return left + right

    def sub(self, left: Any, right: Any) -> Any:
        kind = type(left)
        if kind is int or kind is float:
            return left - right
        return self._combine(left, right, operator.sub)

    def or_(self, left: Any, right: Any) -> Any:
        return self._combine(left, right, operator.or_)

    def and_(self, left: Any, right: Any) -> Any:
        return self._combine(left, right, operator.and_)

    def xor(self, left: Any, right: Any) -> Any:
        return self._combine(left, right, operator.xor)

    def _combine(self, left: Any, right: Any, op: Any) -> Any:
        """`-`, `|`, `&`, `^` of sets and dicts: they hash both operands and build a new one, so both are
        measured (at most their sum is built)."""
        if isinstance(left, (set, frozenset, dict)) or isinstance(right, (set, frozenset, dict)):
            size = weight(left, self.size, self) + weight(right, self.size, self)
            self.allow(size, "a combined set")
        return op(left, right)

    def pow(self, base: Any, exponent: Any) -> Any:
        if isinstance(base, int) and isinstance(exponent, int) and exponent > 1:
            bits = base.bit_length()
            if bits > 1 and (bits - 1) * exponent > MAX_INT_BITS:
                self.refuse("a power")
        return base**exponent

    def lshift(self, value: Any, shift: Any) -> Any:
        if isinstance(value, int) and isinstance(shift, int) and value and value.bit_length() + shift > MAX_INT_BITS:
            self.refuse("a shifted integer")
        return value << shift

    def mod(self, left: Any, right: Any) -> Any:
        if isinstance(left, (str, bytes)):
            self.allow(self._percent_size(left, right), "formatted text")
        return left % right

    def _percent_size(self, template: str | bytes, args: Any) -> int:
        """The most `template % args` can produce: the template, every width and precision, and the text
        of the arguments (widths given as `*` are among the arguments)."""
        text = template.decode("latin-1") if isinstance(template, bytes) else template
        predicted, stars = len(text), False
        for width, precision in _PERCENT.findall(text):
            for number in (width, precision):
                if number == "*":
                    stars = True
                elif number:
                    predicted += int(number) if len(number) < 12 else self.size + 1
        if stars:
            values = args if type(args) is tuple else (args,)
            predicted += sum(abs(v) for v in values if isinstance(v, int))
        return predicted + weight(args, self.size, self)

    def inplacevar(self, op: str, target: Any, value: Any) -> Any:
        if op == "+=":
            return self.add(target, value)
        if op == "-=":
            return self.sub(target, value)
        if op == "*=":
            return self.mul(target, value)
        if op == "/=":
            return target / value
        raise DiagramScriptError(f"operator {op} is not allowed in diagram scripts")

    def format_value(self, value: Any, conversion: int, spec: str) -> str:
        """One `{value!conversion:spec}` of an f-string: widths and precisions within the budget, and the
        value's text too."""
        self.allow(weight(value, self.size, self), "a formatted value")
        if spec:
            for number in _DIGITS.findall(spec):
                if len(number) > 9 or int(number) > self.size:
                    self.refuse(f"a value formatted as {spec[:30]!r}")
        if conversion == 115:
            value = str(value)
        elif conversion == 114:
            value = repr(value)
        elif conversion == 97:
            value = ascii(value)
        return format(value, spec)

    def guards(self) -> dict[str, Any]:
        """The names the compiled diagram code calls (sandbox_policy.py), bound to this budget, and the
        built-in functions that must measure their arguments."""
        if self._guards is None:
            self._guards = {
                "_getattr_": self.getattr, "_getitem_": self.getitem, "_getiter_": self.getiter,
                "_write_": self.write, "_inplacevar_": self.inplacevar, "_tick_": self.tick,
                "_mul_": self.mul, "_add_": self.add, "_pow_": self.pow, "_lshift_": self.lshift,
                "_mod_": self.mod, "_format_": self.format_value, "_deep_": self.deep,
                "_sub_": self.sub, "_or_": self.or_, "_and_": self.and_, "_xor_": self.xor, "_spread_": self.spread,
                "_apply_": self.apply,
            }
        return self._guards


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?.", re.DOTALL)
_DIGITS = re.compile(r"\d+")


# ---- the budget of the template being rendered (templates share one environment across threads) -------

current: ContextVar[Budget | None] = ContextVar("diagram_budget", default=None)
