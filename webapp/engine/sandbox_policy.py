"""How diagram code is compiled: RestrictedPython's restrictions, plus the calls that keep it within its
budgets (budget.py). The names inserted start with an underscore, which diagram code cannot use.

- `while` bodies and the bodies of functions and lambdas tick (for loops and comprehensions already
  iterate through `_getiter_`, which ticks);
- `*`, `**`, `<<`, `+` and `%` go through guards that refuse a result above the size budget before
  computing it; `-`, `|`, `&`, `^` of sets and dicts and `[*x]`/`(*x,)` are measured and charged;
- each `{value:spec}` of an f-string is formatted by a guard that checks the widths and the value;
- comparison operands, set elements and dict keys are measured first (comparing or hashing costs as much as
  the whole structure);
- class definitions are refused: a class could give a value its own `__eq__`, `__hash__` or `__index__`.
"""

from __future__ import annotations

import ast

from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

_OPERATORS = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Add: "_add_", ast.Mod: "_mod_",
              # sets and dicts: these hash both operands and build a new one
              ast.Sub: "_sub_", ast.BitOr: "_or_", ast.BitAnd: "_and_", ast.BitXor: "_xor_"}


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    node = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    copy_locations(node, like)
    return node


def _measured(node: ast.expr | None) -> ast.expr | None:
    if node is None or isinstance(node, ast.Constant):
        return node
    if isinstance(node, ast.Starred):
        node.value = _call("_deep_", [node.value], node.value)
        return node
    return _call("_deep_", [node], node)


def _tick(like: ast.AST) -> ast.Expr:
    statement = ast.Expr(value=_call("_tick_", [], like))
    copy_locations(statement, like)
    return statement


class BudgetedPolicy(RestrictingNodeTransformer):
    def visit_ClassDef(self, node: ast.ClassDef):
        self.error(node, "Class definitions are not allowed in diagram code.")
        return node

    def visit_While(self, node: ast.While):
        node = super().visit_While(node)
        node.body.insert(0, _tick(node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _tick(node))
        return node

    def visit_Lambda(self, node: ast.Lambda):
        node = super().visit_Lambda(node)
        node.body = _call("_tick_", [node.body], node.body)
        return node

    def visit_BinOp(self, node: ast.BinOp):
        node = super().visit_BinOp(node)
        guard = _OPERATORS.get(type(node.op))
        return _call(guard, [node.left, node.right], node) if guard else node

    def visit_Compare(self, node: ast.Compare):
        node = super().visit_Compare(node)
        node.left = _measured(node.left)
        node.comparators = [_measured(c) for c in node.comparators]
        return node

    def visit_List(self, node: ast.List):
        node = super().visit_List(node)
        self._spread(node.elts)
        return node

    def visit_Tuple(self, node: ast.Tuple):
        node = super().visit_Tuple(node)
        self._spread(node.elts)
        return node

    def visit_Call(self, node: ast.Call):
        # RestrictedPython makes f(*x, **k) into _apply_(f, *x, **k) (budget.py's Budget.apply); the spread
        # copies x into the arguments in one C call, so it is predicted first, as for [*x].
        node = super().visit_Call(node)
        self._spread(node.args)
        return node

    @staticmethod
    def _spread(elements: list[ast.expr]) -> None:
        """`[*x]`, `(*x,)` and `f(*x)` copy x in one C call, like list(x): the copy is predicted first."""
        for element in elements:
            if isinstance(element, ast.Starred) and isinstance(element.ctx, ast.Load):
                element.value = _call("_spread_", [element.value], element.value)

    def visit_Set(self, node: ast.Set):
        node = super().visit_Set(node)
        node.elts = [_measured(e) for e in node.elts]
        return node

    def visit_Dict(self, node: ast.Dict):
        node = super().visit_Dict(node)
        node.keys = [_measured(k) for k in node.keys]  # None stands for **mapping: its keys are hashed already
        return node

    def visit_SetComp(self, node: ast.SetComp):
        node = super().visit_SetComp(node)
        node.elt = _measured(node.elt)
        return node

    def visit_DictComp(self, node: ast.DictComp):
        node = super().visit_DictComp(node)
        node.key = _measured(node.key)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue):
        node = super().visit_FormattedValue(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        conversion = ast.Constant(node.conversion)
        for part in (spec, conversion):
            copy_locations(part, node)
        formatted = ast.FormattedValue(value=_call("_format_", [node.value, conversion, spec], node),
                                       conversion=-1, format_spec=None)
        copy_locations(formatted, node)
        return formatted
