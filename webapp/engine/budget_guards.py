"""The built-in functions and the methods of the built-in types that diagram code may call, guarded by its
budgets (budget.py): those that build a value predict or measure it against the size budget, and those
whose work grows with their operands charge the time budget in proportion (Budget.charge/produce).

Split from budget.py, which holds the Budget itself; `Budget` inherits the guarded builtins from
`BuiltinGuards` and looks the method rules up in `METHODS`.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .budget import Budget

_NoneType = type(None)
_SIZED_KINDS = (list, tuple, dict, set, frozenset)


class BuiltinGuards:
    """The guarded built-in functions, as methods of Budget (which supplies size, refuse, allow, measure,
    charge and produce)."""

    __slots__ = ()

    def str_(self: Budget, *args: Any, **kwargs: Any) -> str:
        if len(args) == 1 and not kwargs and type(args[0]) not in (str, int, float, bool, _NoneType):
            self.allow(self.weigh(args[0]), "the text of a value")
        return str(*args, **kwargs)

    def range_(self: Budget, *args: Any) -> range:
        numbers = range(*args)
        try:
            count = len(numbers)
        except OverflowError:
            count = self.size
        if count * 8 > self.size:
            self.refuse(f"a range of {count:,} numbers")
        return numbers

    def counted(self: Budget, iterable: Any, what: str) -> list:
        """`list(iterable)` for an iterable of unknown length (a generator, zip, enumerate…): every item
        ticks and the list stops at the size budget instead of being built first."""
        limit = self.size // 8
        items: list = []
        append = items.append
        for item in iterable:
            append(item)
            self.countdown -= 1
            if self.countdown <= 0:
                self.check()
            if len(items) > limit:
                self.refuse(what)
        self.produce(16 + 8 * len(items))
        return items

    def spread(self: Budget, iterable: Any, what: str = "a list") -> Any:
        """What `list(x)`, `tuple(x)` or `[*x]` copies: predicted from its length, so copying a 1 MB
        text (8 bytes an item, plus the characters) is refused or charged before it happens."""
        kind = type(iterable)
        if kind is str or kind is bytes or kind is bytearray:
            self.allow(16 + 9 * len(iterable), what)
            return iterable
        if kind in _SIZED_KINDS or kind is range or isinstance(iterable, _SIZED_KINDS):
            self.allow(16 + 8 * len(iterable), what)
            return iterable
        return self.counted(iterable, what)

    def apply(self: Budget, function: Any, *args: Any, **kwargs: Any) -> Any:
        """A call with * or ** arguments, which RestrictedPython routes here (`_apply_`); the spread itself was
        predicted by `spread` (sandbox_policy.py) before the arguments were built. The call is the script's own:
        the function is one the sandbox lets it name."""
        self.tick()
        return function(*args, **kwargs)

    def list_(self: Budget, *args: Any) -> list:
        return list(self.spread(args[0])) if args else []

    def tuple_(self: Budget, *args: Any) -> tuple:
        return tuple(self.spread(args[0], "a tuple")) if args else ()

    def _scanned(self: Budget, iterable: Any) -> Any:
        """any/all walk their argument in C: a sized one is charged for its length."""
        if type(iterable) in _SIZED_KINDS:
            self.charge(8 * len(iterable))
        return iterable

    def any_(self: Budget, iterable: Any, /) -> bool:
        return any(self._scanned(iterable))

    def all_(self: Budget, iterable: Any, /) -> bool:
        return all(self._scanned(iterable))

    def int_(self: Budget, *args: Any, **kwargs: Any) -> int:
        if args and isinstance(args[0], (str, bytes)):
            self.charge(len(args[0]))
        return int(*args, **kwargs)

    def float_(self: Budget, *args: Any) -> float:
        if args and isinstance(args[0], (str, bytes)):
            self.charge(len(args[0]))
        return float(*args)

    def _items(self: Budget, iterable: Any, what: str, made: bool) -> Any:
        if type(iterable) not in (list, tuple, str, bytes, dict, set, frozenset, range):
            if not made:  # min/max/sum of a generator: streamed (its own loop ticks), each item measured
                return map(self.deep, iterable)
            iterable = self.counted(iterable, what)
        size = self.weigh(iterable)
        if made:
            self.allow(size, what)
        else:
            self.fits(size, what)
        return iterable

    def sorted_(self: Budget, iterable: Any, /, **kwargs: Any) -> list:
        return sorted(self._items(iterable, "the values sorted", True), **kwargs)

    def min_(self: Budget, *args: Any, **kwargs: Any) -> Any:
        return min(self._items(args[0] if len(args) == 1 else args, "the values compared", False), **kwargs)

    def max_(self: Budget, *args: Any, **kwargs: Any) -> Any:
        return max(self._items(args[0] if len(args) == 1 else args, "the values compared", False), **kwargs)

    def sum_(self: Budget, iterable: Any, /, start: Any = 0) -> Any:
        if type(start) is int or type(start) is float:
            return sum(self._items(iterable, "the values added up", False), start)
        # Adding up lists or tuples builds a new one at each step inside one C call: all of them, and the
        # start, must fit the budget together.
        items = self._items(iterable, "the values added up", True)
        self.allow(self.weigh(start) + self.weigh(items), "the values added up")
        return sum(items, start)

    def set_(self: Budget, *args: Any) -> set:
        return set(self._items(args[0], "the values of a set", True)) if args else set()

    def dict_(self: Budget, *args: Any, **kwargs: Any) -> dict:
        if args:
            return dict(self._items(args[0], "the items of a dict", True), **kwargs)
        return dict(**kwargs)

    def round_(self: Budget, number: Any, ndigits: Any = None) -> Any:
        if ndigits is None:
            return round(number)
        if isinstance(number, int) and isinstance(ndigits, int) and ndigits < -4300:
            self.refuse("rounding to that many digits")  # round(5, -10**9) computes 10**(10**9)
        return round(number, ndigits)

    def isinstance_(self: Budget, obj: Any, kinds: Any) -> bool:
        """isinstance(x, str) with `str` the guarded function standing for the type."""
        kinds = tuple(_unwrapped(k) for k in kinds) if type(kinds) is tuple else _unwrapped(kinds)
        return isinstance(obj, kinds)

    def builtins(self: Budget) -> dict[str, Any]:
        """The built-in functions that must measure or charge for their arguments, bound to this budget."""
        return {"str": self.str_, "range": self.range_, "sorted": self.sorted_, "min": self.min_, "max": self.max_,
                "sum": self.sum_, "set": self.set_, "dict": self.dict_, "round": self.round_,
                "isinstance": self.isinstance_, "list": self.list_, "tuple": self.tuple_, "any": self.any_,
                "all": self.all_, "int": self.int_, "float": self.float_}


_UNWRAPPED = {BuiltinGuards.str_: str, BuiltinGuards.set_: set, BuiltinGuards.dict_: dict,
              BuiltinGuards.range_: range, BuiltinGuards.list_: list, BuiltinGuards.tuple_: tuple,
              BuiltinGuards.int_: int, BuiltinGuards.float_: float}


def _unwrapped(kind: Any) -> Any:
    function = getattr(kind, "__func__", None)
    return _UNWRAPPED.get(function, kind) if function is not None else kind


class GuardedWrites:
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
            budget.allow((len(self._target) + added) * 8, "a list", made=added * 8)
        self._target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._target[key]


# ---- the methods of the built-in types ----------------------------------------------------------------

SAFE = object()  # callable as it is (Budget.getattr still charges for a large receiver)
REFUSED = object()


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
        items = iterable if type(iterable) in (list, tuple) else budget.counted(iterable, "the joined text")
        total = len(separator) * max(0, len(items) - 1)
        for item in items:
            total += len(item) if isinstance(item, (str, bytes)) else 0
            if total > budget.size:
                break
        budget.allow(total, "the joined text")
        return method(items)

    return call


def _split(budget: Budget, text: Any, method: Any):
    """split/rsplit/splitlines: the list of pieces (8 bytes each, plus the text) within the size budget."""
    def call(*args: Any, **kwargs: Any) -> Any:
        pieces = method(*args, **kwargs)
        budget.allow(16 + 8 * len(pieces) + len(text), "the split text")
        return pieces

    return call


def _to_bytes(budget: Budget, number: Any, method: Any):
    def call(length: Any = 1, *args: Any, **kwargs: Any) -> Any:
        budget.allow(operator.index(length), f"{length:,} bytes")
        return method(length, *args, **kwargs)

    return call


def _extend(budget: Budget, items: list, method: Any):
    def call(more: Any) -> Any:
        if hasattr(more, "__len__"):
            budget.allow((len(items) + len(more)) * 8, "a list", made=len(more) * 8)
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


# Safe methods of text that build a new text about as long as the receiver (charged as produced bytes);
# the other safe ones only read it (charged as time).
MAKERS = frozenset(("capitalize", "casefold", "encode", "decode", "hex", "lower", "lstrip", "partition",
                    "removeprefix", "removesuffix", "rpartition", "rstrip", "strip", "swapcase", "title", "upper",
                    "copy"))
_TEXT_SAFE = ("capitalize", "casefold", "count", "encode", "decode", "endswith", "find", "hex", "index", "isalnum",
              "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isprintable",
              "isspace", "istitle", "isupper", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
              "rfind", "rindex", "rpartition", "rstrip", "startswith", "strip", "swapcase", "title", "upper")
_TEXT = {
    **{name: SAFE for name in _TEXT_SAFE},
    "ljust": _width, "rjust": _width, "center": _width, "zfill": _width, "expandtabs": _expandtabs,
    "replace": _replace, "join": _join, "split": _split, "rsplit": _split, "splitlines": _split,
    # format/format_map read attributes (RestrictedPython refuses them too); a translation table can map one
    # character to any text.
    "format": REFUSED, "format_map": REFUSED, "translate": REFUSED, "maketrans": REFUSED,
}
_INTEGER = {name: SAFE for name in ("as_integer_ratio", "bit_count", "bit_length", "conjugate", "denominator",
                                    "from_bytes", "imag", "is_integer", "numerator", "real")} | {"to_bytes": _to_bytes}
METHODS: dict[type, dict[str, Any]] = {
    str: _TEXT,
    bytes: _TEXT,
    list: {"append": SAFE, "clear": SAFE, "copy": SAFE, "insert": SAFE, "pop": SAFE, "reverse": SAFE,
           "extend": _extend, "count": _measure_all, "index": _measure_all, "remove": _measure_all,
           "sort": _measure_all},
    tuple: {"count": _measure_all, "index": _measure_all},
    dict: {"clear": SAFE, "copy": SAFE, "items": SAFE, "keys": SAFE, "values": SAFE, "popitem": SAFE,
           "get": _measure_arguments, "pop": _measure_arguments, "setdefault": _measure_arguments,
           "update": _measure_arguments, "fromkeys": _measure_arguments},
    set: {"clear": SAFE, "copy": SAFE, "pop": SAFE,
          **{name: _measure_arguments for name in (
              "add", "difference", "difference_update", "discard", "intersection", "intersection_update",
              "isdisjoint", "issubset", "issuperset", "remove", "symmetric_difference",
              "symmetric_difference_update", "union", "update")}},
    bool: _INTEGER,
    int: _INTEGER,
    float: {name: SAFE for name in ("as_integer_ratio", "conjugate", "fromhex", "hex", "imag", "is_integer", "real")},
}
# Safe methods that take about the same time whatever the receiver's length: not charged for it.
CHEAP = frozenset(("append", "items", "keys", "values", "popitem", "clear", "startswith", "endswith"))
# A safe method called on a receiver this long is charged for it (bytes for text, 8 a slot for containers);
# a shorter one costs about as much as a tick.
CHARGED_FROM = 512
TEXT_KINDS = (str, bytes)
