"""Time and size budgets for diagram code (issue 9, item 3).

Every script, condition, timer, service-task parameter, DMN cell and task template runs with a wall-clock
deadline and a size limit per value. Neither can be a signal or a watchdog thread: `sum(range(10**12))` or
`'a' * 10**9` is one C call, which nothing inside the process interrupts. So they hold by construction:

- time: the sandbox's compiler (sandbox_policy.py) makes every loop iteration, every call of a function the
  diagram defines and every guarded operation *tick*; every TICKS ticks the clock is read and past the
  deadline the evaluation fails. What is left between two ticks is one C operation on values the size
  budget bounds, so it ends quickly too.
- size: the operations that can build a large value in one C call (`*`, `**`, `<<`, `+`, `%`, f-strings
  with widths, `range`, `str()` of containers, the padding/replacing/joining string methods, `int.to_bytes`)
  predict the size of their result *before* computing it and refuse one above the budget. The operations
  whose cost grows with the depth of a structure (comparisons, hashing for sets and dict keys, sorting,
  min/max/sum, `str()`) first measure their operands, counting a shared part each time it is reached, so a
  structure that shares itself exponentially is refused instead of being walked for hours.
- after a script, the data it wrote is measured against the size budget, and so is the value of an
  expression.

Once a budget is exceeded the evaluation is spoilt: a script that catches the error meets it again at its
next tick and at its end, so it cannot be swallowed. The engine never imports the Flask app: create_app
hands the configured figures to `configure()`.
"""

from __future__ import annotations

import operator
import re
from contextvars import ContextVar
from time import monotonic
from typing import Any

from RestrictedPython.Guards import full_write_guard, safer_getattr

DEFAULT_TIME_SECONDS = 1.0
DEFAULT_SIZE_BYTES = 1024 * 1024
# One action (completing a step, a timer, a message) runs many pieces of code on one case — every cell of a
# decision table, every condition; together they get this many budgets, so a table of slow cells ends too.
ACTION_BUDGETS = 10
# Integers stay far below the size budget: multiplying two of these takes microseconds, and str() of an
# integer above 4,300 digits is refused by Python itself (sys.int_info.default_max_str_digits).
MAX_INT_BITS = 1 << 16
# Nesting deeper than this is refused: hashing a deeply nested tuple recurses in C without a guard.
MAX_DEPTH = 100
# A duration longer than this many months is refused: SpiffWorkflow adds up month lengths one by one.
MAX_DURATION_MONTHS = 12 * 1000
TICKS = 1000  # ticks between two readings of the clock
_LARGE = 1 << 16  # an operation on more than this many bytes reads the clock at once

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


class DiagramScriptError(Exception):
    """A script or expression in a diagram is not allowed or does not compile."""


class DiagramBudgetExceeded(DiagramScriptError):
    """Diagram code ran past its time budget or would have built a value past its size budget."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "time" or "size"


# ---- measuring ---------------------------------------------------------------------------------------

_NoneType = type(None)
_SCALARS = (int, float, bool, _NoneType, complex)
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_CONTAINERS = (list, tuple, set, frozenset)


def weight(value: Any, limit: int, budget: Budget | None = None) -> int:
    """About how many bytes `value` takes when written out (as text or JSON), counting a part shared by
    several places each time. Stops as soon as the count passes `limit` (so its cost is bounded by the
    limit, not by the value); anything nested deeper than MAX_DEPTH counts as too large."""
    kind = type(value)
    if kind is str or kind is bytes:
        return len(value)
    if kind is int:
        return 8 + (value.bit_length() >> 3)
    if kind is float or kind is bool or value is None:
        return 8
    total, visited = 0, 0
    stack = [(value, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        item, depth = pop()
        kind = type(item)
        if kind not in _CONTAINERS and kind is not dict and isinstance(item, (*_CONTAINERS, dict)):
            kind = dict if isinstance(item, dict) else list  # a subclass: measured like its base
        if kind in _CONTAINERS or kind is dict:
            if depth >= MAX_DEPTH:
                return limit + 1
            pairs = kind is dict
            total += 16 + (16 if pairs else 8) * len(item)
            if total > limit:
                return total
            for part in (_dict_parts(item) if pairs else item):
                part_kind = type(part)
                if part_kind is str or part_kind is bytes:
                    total += len(part)
                    if total > limit:
                        return total
                elif part_kind is int:
                    total += 8 + (part.bit_length() >> 3)
                elif part_kind is float or part_kind is bool or part is None:
                    total += 8
                else:
                    push((part, depth + 1))
        elif isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, int):
            total += 8 + (item.bit_length() >> 3)
        else:
            total += 64  # an object of its own (a date, a function…): its text is short
        if total > limit:
            return total
        visited += 1
        if budget is not None and not visited & 1023:
            budget.check()
    return total


def _dict_parts(mapping: dict):
    for key, value in mapping.items():
        yield key
        yield value


def duration_months(text: str) -> float:
    """The calendar months an ISO 8601 duration (or repeating interval) names, the part SpiffWorkflow
    counts month by month; 0 for text that is no duration."""
    months = 0.0
    for part in text.upper().split("/"):
        part = part.strip()
        if not part.startswith("P"):
            continue
        dates = part[1:].split("T", 1)[0]
        for number, unit in _DURATION_PART.findall(dates):
            try:
                value = float(number)
            except ValueError:
                continue
            months += value * 12 if unit == "Y" else value if unit == "M" else 0
    return months


_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)([YMWD])")
_DURATION_LIKE = re.compile(r"\s*(?:R\d*/)?(?:[^/]*/)?P\d", re.IGNORECASE)


def check_duration(text: str) -> None:
    if duration_months(text) > MAX_DURATION_MONTHS:
        raise DiagramBudgetExceeded("size", f"size budget exceeded: the duration {text[:60]!r} is longer than "
                                            f"{MAX_DURATION_MONTHS // 12} years")


# ---- the budget of one evaluation ------------------------------------------------------------------------


class Budget:
    """The budgets of the code one sandbox environment runs (one case in one action): a deadline per
    evaluation, ACTION_BUDGETS of them in all, and the size limit. Its bound methods are the guards the
    compiled diagram code calls (see sandbox_policy.py and guards())."""

    __slots__ = ("seconds", "size", "total", "spent", "deadline", "started", "countdown", "depth", "tripped",
                 "where", "by_total", "_guards")

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

    def allow(self, predicted: int, what: str) -> None:
        """Refuse an operation whose result would be `predicted` bytes, above the budget."""
        if predicted > self.size:
            self.refuse(what)
        if predicted > _LARGE:
            self.check()
        else:
            self.tick()

    def measure(self, value: Any, what: str) -> None:
        self.allow(weight(value, self.size, self), what)

    def deep(self, value: Any) -> Any:
        """An operand of a comparison, or a set element or dict key about to be hashed: its cost grows with
        its whole structure, so that must fit the budget (flat values cost little and pass at once)."""
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool or value is None:
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
        if type(key) is tuple:
            self.deep(key)
        return container[key]

    def write(self, target: Any) -> Any:
        if type(target) is list or type(target) is dict:
            return _GuardedWrites(self, target)
        return full_write_guard(target)

    def getattr(self, obj: Any, name: str, default: Any = None) -> Any:
        """RestrictedPython's attribute access: only the listed methods of the built-in types, the ones
        that can build a large value guarded; no attributes of types (e.g. `int.to_bytes`)."""
        kind = type(obj)
        rules = _METHODS.get(kind)
        if rules is None:
            if isinstance(obj, type) or getattr(obj, "__self__", None) is self:  # a type, or a guarded builtin
                raise DiagramScriptError(f"attributes of types ({getattr(obj, '__name__', '?').rstrip('_')}.{name}) "
                                         "are not available in diagram code; call the method on a value")
            value = safer_getattr(obj, name, default)
            return self.guard_method(obj, name, value)
        rule = rules.get(name)
        if rule is None or rule is _REFUSED:
            raise DiagramScriptError(f"{kind.__name__}.{name} is not available in diagram code")
        value = safer_getattr(obj, name, default)
        return value if rule is _SAFE else rule(self, obj, value)

    def guard_method(self, obj: Any, name: str, value: Any) -> Any:
        """`value`, the attribute `name` of `obj`, guarded if it is a method that can build a large value
        (for subclasses of the built-in types too, e.g. Markup in templates)."""
        for base, rules in _METHODS.items():
            if isinstance(obj, base):
                rule = rules.get(name)
                if rule is _REFUSED:
                    raise DiagramScriptError(f"{base.__name__}.{name} is not available in diagram code")
                if rule is not None and rule is not _SAFE and callable(value):
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
            return target - value
        if op == "*=":
            return self.mul(target, value)
        if op == "/=":
            return target / value
        raise DiagramScriptError(f"operator {op} is not allowed in diagram scripts")

    def format_value(self, value: Any, conversion: int, spec: str) -> str:
        """One `{value!conversion:spec}` of an f-string: widths and precisions within the budget, and the
        value's text too."""
        self.measure(value, "a formatted value")
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

    # -- builtins --

    def str_(self, *args: Any, **kwargs: Any) -> str:
        if len(args) == 1 and not kwargs and type(args[0]) not in (str, int, float, bool, _NoneType):
            self.measure(args[0], "the text of a value")
        return str(*args, **kwargs)

    def range_(self, *args: Any) -> range:
        numbers = range(*args)
        try:
            count = len(numbers)
        except OverflowError:
            count = self.size
        if count * 8 > self.size:
            self.refuse(f"a range of {count:,} numbers")
        return numbers

    def _items(self, iterable: Any, what: str) -> Any:
        if type(iterable) not in (list, tuple, str, bytes, dict, set, frozenset, range):
            iterable = list(iterable)  # a generator: its own loop ticks
        self.measure(iterable, what)
        return iterable

    def sorted_(self, iterable: Any, /, **kwargs: Any) -> list:
        return sorted(self._items(iterable, "the values sorted"), **kwargs)

    def min_(self, *args: Any, **kwargs: Any) -> Any:
        return min(self._items(args[0] if len(args) == 1 else args, "the values compared"), **kwargs)

    def max_(self, *args: Any, **kwargs: Any) -> Any:
        return max(self._items(args[0] if len(args) == 1 else args, "the values compared"), **kwargs)

    def sum_(self, iterable: Any, /, start: Any = 0) -> Any:
        items = self._items(iterable, "the values added up")
        if type(start) is not int:
            self.measure(start, "the values added up")
        return sum(items, start)

    def set_(self, *args: Any) -> set:
        return set(self._items(args[0], "the values of a set")) if args else set()

    def dict_(self, *args: Any, **kwargs: Any) -> dict:
        if args:
            return dict(self._items(args[0], "the items of a dict"), **kwargs)
        return dict(**kwargs)

    def round_(self, number: Any, ndigits: Any = None) -> Any:
        if ndigits is None:
            return round(number)
        if isinstance(number, int) and isinstance(ndigits, int) and ndigits < -4300:
            self.refuse("rounding to that many digits")  # round(5, -10**9) computes 10**(10**9)
        return round(number, ndigits)

    def isinstance_(self, obj: Any, kinds: Any) -> bool:
        """isinstance(x, str) with `str` the guarded function standing for the type."""
        kinds = tuple(_unwrapped(k) for k in kinds) if type(kinds) is tuple else _unwrapped(kinds)
        return isinstance(obj, kinds)

    def guards(self) -> dict[str, Any]:
        """The names the compiled diagram code calls (sandbox_policy.py), bound to this budget, and the
        built-in functions that must measure their arguments."""
        if self._guards is None:
            self._guards = {
                "_getattr_": self.getattr, "_getitem_": self.getitem, "_getiter_": self.getiter,
                "_write_": self.write, "_inplacevar_": self.inplacevar, "_tick_": self.tick,
                "_mul_": self.mul, "_add_": self.add, "_pow_": self.pow, "_lshift_": self.lshift,
                "_mod_": self.mod, "_format_": self.format_value, "_deep_": self.deep,
            }
        return self._guards

    def builtins(self) -> dict[str, Any]:
        return {"str": self.str_, "range": self.range_, "sorted": self.sorted_, "min": self.min_, "max": self.max_,
                "sum": self.sum_, "set": self.set_, "dict": self.dict_, "round": self.round_,
                "isinstance": self.isinstance_}


_UNWRAPPED = {Budget.str_: str, Budget.set_: set, Budget.dict_: dict, Budget.range_: range}


def _unwrapped(kind: Any) -> Any:
    function = getattr(kind, "__func__", None)
    return _UNWRAPPED.get(function, kind) if function is not None else kind

_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?.", re.DOTALL)
_DIGITS = re.compile(r"\d+")


class _GuardedWrites:
    """What `_write_(a_list_or_dict)` gives: item assignment with the key measured (it is hashed) and a
    slice assignment that would grow the list past the budget refused (`xs[:0] = xs` doubles it)."""

    __slots__ = ("_budget", "_target")

    def __init__(self, budget: Budget, target: list | dict):
        self._budget = budget
        self._target = target

    def __setitem__(self, key: Any, value: Any) -> None:
        budget = self._budget
        if type(key) is tuple:
            budget.deep(key)
        elif type(key) is slice and type(self._target) is list:
            added = len(value) if hasattr(value, "__len__") else 0
            budget.allow((len(self._target) + added) * 8, "a list")
        self._target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._target[key]


# ---- the methods of the built-in types ----------------------------------------------------------------

_SAFE = object()
_REFUSED = object()


def _width(budget: Budget, text: Any, method: Any):
    def call(width: Any, *args: Any) -> Any:
        budget.allow(max(len(text), operator.index(width)), f"text padded to {width:,}")
        return method(width, *args)

    return call


def _expandtabs(budget: Budget, text: Any, method: Any):
    def call(tabsize: Any = 8) -> Any:
        tab = "\t" if isinstance(text, str) else b"\t"
        budget.allow(len(text) + text.count(tab) * max(0, operator.index(tabsize)), "text with tabs expanded")
        return method(tabsize)

    return call


def _replace(budget: Budget, text: Any, method: Any):
    def call(old: Any, new: Any, count: Any = -1) -> Any:
        found = text.count(old) if len(old) else len(text) + 1
        if operator.index(count) >= 0:
            found = min(found, count)
        budget.allow(len(text) + found * (len(new) - len(old)), "the replaced text")
        return method(old, new, count)

    return call


def _join(budget: Budget, separator: Any, method: Any):
    def call(iterable: Any) -> Any:
        items = iterable if type(iterable) in (list, tuple) else list(iterable)
        total = len(separator) * max(0, len(items) - 1)
        for item in items:
            total += len(item) if isinstance(item, (str, bytes)) else 0
            if total > budget.size:
                break
        budget.allow(total, "the joined text")
        return method(items)

    return call


def _to_bytes(budget: Budget, number: Any, method: Any):
    def call(length: Any = 1, *args: Any, **kwargs: Any) -> Any:
        budget.allow(operator.index(length), f"{length:,} bytes")
        return method(length, *args, **kwargs)

    return call


def _extend(budget: Budget, items: list, method: Any):
    def call(more: Any) -> Any:
        if hasattr(more, "__len__"):
            budget.allow((len(items) + len(more)) * 8, "a list")
        return method(more)

    return call


def _measure_arguments(budget: Budget, obj: Any, method: Any):
    """Methods that compare or hash their arguments (and the values already in the container)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        for value in args:
            budget.deep(value)
        for value in kwargs.values():
            budget.deep(value)
        return method(*args, **kwargs)

    return call


def _measure_all(budget: Budget, obj: Any, method: Any):
    inner = _measure_arguments(budget, obj, method)

    def call(*args: Any, **kwargs: Any) -> Any:
        budget.measure(obj, "the values compared")
        return inner(*args, **kwargs)

    return call


_TEXT_SAFE = ("capitalize", "casefold", "count", "encode", "decode", "endswith", "find", "hex", "index", "isalnum",
              "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isprintable",
              "isspace", "istitle", "isupper", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
              "rfind", "rindex", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip",
              "swapcase", "title", "upper")
_TEXT = {
    **{name: _SAFE for name in _TEXT_SAFE},
    "ljust": _width, "rjust": _width, "center": _width, "zfill": _width, "expandtabs": _expandtabs,
    "replace": _replace, "join": _join,
    # format/format_map read attributes (RestrictedPython refuses them too); a translation table can map one
    # character to any text.
    "format": _REFUSED, "format_map": _REFUSED, "translate": _REFUSED, "maketrans": _REFUSED,
}
_INTEGER = {name: _SAFE for name in ("as_integer_ratio", "bit_count", "bit_length", "conjugate", "denominator",
                                     "from_bytes", "imag", "is_integer", "numerator", "real")} | {"to_bytes": _to_bytes}
_METHODS: dict[type, dict[str, Any]] = {
    str: _TEXT,
    bytes: _TEXT,
    list: {"append": _SAFE, "clear": _SAFE, "copy": _SAFE, "insert": _SAFE, "pop": _SAFE, "reverse": _SAFE,
           "extend": _extend, "count": _measure_all, "index": _measure_all, "remove": _measure_all,
           "sort": _measure_all},
    tuple: {"count": _measure_all, "index": _measure_all},
    dict: {"clear": _SAFE, "copy": _SAFE, "items": _SAFE, "keys": _SAFE, "values": _SAFE, "popitem": _SAFE,
           "get": _measure_arguments, "pop": _measure_arguments, "setdefault": _measure_arguments,
           "update": _measure_arguments, "fromkeys": _measure_arguments},
    set: {"clear": _SAFE, "copy": _SAFE, "pop": _SAFE,
          **{name: _measure_arguments for name in (
              "add", "difference", "difference_update", "discard", "intersection", "intersection_update",
              "isdisjoint", "issubset", "issuperset", "remove", "symmetric_difference",
              "symmetric_difference_update", "union", "update")}},
    bool: _INTEGER,
    int: _INTEGER,
    float: {name: _SAFE for name in ("as_integer_ratio", "conjugate", "fromhex", "hex", "imag", "is_integer", "real")},
}


# ---- the budget of the template being rendered (templates share one environment across threads) -------

current: ContextVar[Budget | None] = ContextVar("diagram_budget", default=None)
