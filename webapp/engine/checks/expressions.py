"""Every piece of Python in the diagrams compiled in the sandbox; FEEL cells, unquoted timers."""

from __future__ import annotations

import ast
import re

from .index import _MANUAL, BPMN_NS, SPIFF_NS, _bpmn, _Index, _local, _properties, _text
from .problem import WARNING, Problem

# -------------------------------------------------------------------------------------- expressions

_ISO_DURATION = re.compile(r"^(R\d*)?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")
IMPORT_REFUSED = "图中的代码不能导入模块"
ENDLESS_LOOP = "循环永远不会结束"
_FEEL_HINT = "单元格是 Python 表达式，不是 FEEL：区间写作 70 <= ? < 85，否定写作 ? not in (\"a\", \"b\")，文字加引号"


def _compile(source: str, mode: str) -> str | None:
    from ..sandbox import DiagramScriptError, compile_sandboxed

    try:
        compile_sandboxed(source, mode)
    except DiagramScriptError as exc:
        return _syntax_error_text(str(exc))
    except Exception as exc:  # noqa: BLE001 - whatever the compiler says is a problem
        return f"{type(exc).__name__}: {exc}"
    # The sandbox compiles an import and refuses it only when it runs (no __import__ there): a case would stop
    # at that step. Said here, at the deploy, instead.
    tree = ast.parse(source, mode=mode)
    imported = [alias.name for node in ast.walk(tree)
                if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names]
    if imported:
        return f"{IMPORT_REFUSED}（import {', '.join(imported)}），只能用系统提供的函数"
    # `while True:` with no break compiles and runs until the sandbox's time budget stops it: the case halts
    # at that step. Said here too.
    endless = _endless_loops(tree)
    if endless:
        lines = "、".join(f"第 {loop.lineno} 行" for loop in endless)
        return f"{ENDLESS_LOOP}（{lines}的 while 条件恒为真，循环中又没有 break），运行到超出时限时案件会停在这一步"
    return None


def _always_true(test: ast.expr) -> bool:
    """A condition that is a constant truthy value: True, 1, "x", (1,), not 0."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        try:
            return not ast.literal_eval(test.operand)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    try:
        return bool(ast.literal_eval(test))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _leaves(loop: ast.While) -> bool:
    """Whether the loop's body has a way out: a `break` of this loop (one in the body of a loop inside it leaves
    only that one; one in its `else` leaves ours), or a `return` of the function the loop is in. Functions
    defined inside the loop are not looked into."""
    pending = [(node, True) for node in loop.body]  # (node, whether a break there is this loop's)
    while pending:
        node, ours = pending.pop()
        if isinstance(node, ast.Return) or (ours and isinstance(node, ast.Break)):
            return True
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            pending += [(n, False) for n in node.body] + [(n, ours) for n in node.orelse]
            continue
        pending += [(n, ours) for n in ast.iter_child_nodes(node)]
    return False


def _endless_loops(tree: ast.AST) -> list[ast.While]:
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.While) and _always_true(node.test) and not _leaves(node)]


# Python's words for the commonest slips, as a designer reads them (anything else is quoted as Python says it).
_SYNTAX_WORDS = [
    (re.compile(r"'(.)' was never closed"), "括号“{0}”没有闭合"),
    (re.compile(r"unterminated string literal"), "字符串缺少结束的引号"),
    (re.compile(r"unexpected character after line continuation character"), "反斜杠 \\ 后面还有字符"),
    (re.compile(r"expected ':'"), "缺少冒号“:”"),
    (re.compile(r"unmatched '(.)'"), "多了一个“{0}”"),
    (re.compile(r"invalid syntax"), "语法错误"),
]


def _syntax_error_text(raw: str) -> str:
    """RestrictedPython's "Line 1: SyntaxError: '(' was never closed at statement: …" as 第 1 行：括号“(”没有闭合."""
    match = re.search(r"Line (\d+): SyntaxError: (.*?)(?: at statement:|$)", raw, re.S)
    if not match:
        return raw
    line, message = match.group(1), match.group(2).replace("\\'", "'").strip()  # as repr() escaped it
    for pattern, words in _SYNTAX_WORDS:
        found = pattern.search(message)
        if found:
            return f"第 {line} 行：{words.format(*found.groups())}"
    return f"第 {line} 行：{message or '语法错误'}"


def _names_read(source: str, mode: str = "eval") -> set[str]:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def expressions(index: _Index):
    """(file, element, kind, source, mode) for every piece of Python in the bundle's diagrams."""
    for name, root in index.bpmn().items():
        for flow in _bpmn(root, "sequenceFlow"):
            condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            if condition is not None and _text(condition):
                yield name, flow, "condition", _text(condition), "eval"
        for task in _bpmn(root, "scriptTask"):
            script = task.find(f"{{{BPMN_NS}}}script")
            if _text(script):
                yield name, task, "script", script.text, "exec"
        for local in ("preScript", "postScript"):
            for script in root.iter(f"{{{SPIFF_NS}}}{local}"):
                if _text(script):
                    yield name, script.getparent().getparent(), "script", script.text, "exec"
        for local in ("timeDate", "timeDuration", "timeCycle"):
            for timer in _bpmn(root, local):
                event = timer.getparent().getparent()
                yield name, event, "timer", _text(timer), "eval"
        for parameter in root.iter(f"{{{SPIFF_NS}}}parameter"):
            task = next(a for a in parameter.iterancestors() if _local(a) == "serviceTask") \
                if any(_local(a) == "serviceTask" for a in parameter.iterancestors()) else parameter.getparent()
            yield name, task, f"parameter {parameter.get('id')}", parameter.get("value") or "", "eval"
        for element in root.iter():
            if _local(element) in (*_MANUAL, "startEvent", "intermediateCatchEvent", "boundaryEvent"):
                props = _properties(element)
                for key in ("dueDate", "assignee"):
                    if props.get(key):
                        yield name, element, key, props[key], "eval"
                if props.get("onReturn"):  # run when an office verb reopens the step (webapp/engine/office.py)
                    yield name, element, "onReturn", props["onReturn"], "exec"
        for local in ("loopCardinality", "completionCondition"):
            for expression in _bpmn(root, local):
                activity = expression.getparent().getparent()
                if _text(expression):
                    yield name, activity, local, _text(expression), "eval"
    for name, root in index.dmn().items():
        for table in root.iter("{*}decisionTable"):
            for put in table.findall("{*}input"):
                yield name, put, "input", put.findtext("{*}inputExpression/{*}text") or "", "eval"
            for rule in table.findall("{*}rule"):
                for entry in rule.findall("{*}inputEntry"):
                    yield name, rule, "input cell", (entry.findtext("{*}text") or "").strip(), "cell"
                for entry in rule.findall("{*}outputEntry"):
                    yield name, rule, "output cell", (entry.findtext("{*}text") or "").strip(), "eval"


_KIND_LABEL = {"condition": "条件", "script": "脚本", "timer": "定时器表达式", "dueDate": "期限（dueDate）",
               "assignee": "办理人（assignee）", "input": "决策表输入表达式", "input cell": "决策表输入单元格",
               "output cell": "决策表输出单元格", "loopCardinality": "多实例数量", "completionCondition": "多实例完成条件",
               "onReturn": "退回后脚本（onReturn）"}


def kind_label(kind: str) -> str:
    """What the designer calls the place an expression sits in (脚本, 服务任务参数“reason”…)."""
    return _KIND_LABEL.get(kind, "服务任务参数“" + kind.removeprefix("parameter ") + "”")


def cell_source(cell: str) -> str:
    """The expression SpiffWorkflow evaluates for an input cell (DMNEngine.evaluate)."""
    if re.search(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", cell):
        return re.sub(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", "dmninputexpr", cell)
    if re.match(r"^\s*(<|>|==|!=|in\s|not\s+in\s|is\s)", cell):
        return "dmninputexpr " + cell
    return f"(dmninputexpr) == ({cell})"


def _looks_feel(cell: str) -> bool:
    unquoted = re.sub(r"\"[^\"]*\"|'[^']*'", "", cell)
    return ".." in unquoted or bool(re.match(r"^\s*not\s*\(", cell)) or bool(re.match(r"^\s*[\[\]\(].*\.\.", cell))


def _expressions(index: _Index) -> list[Problem]:
    problems = []
    for name, element, kind, source, mode in expressions(index):
        label = kind_label(kind)
        if kind == "input cell" and source in ("", "-"):
            continue
        if kind == "input cell" and _looks_feel(source):
            problems.append(index.problem(name, element, f"{label}“{source}”是 FEEL 写法，本系统不支持", _FEEL_HINT))
            continue
        if not source:
            if kind in ("timer", "condition") or kind.startswith("parameter"):
                problems.append(index.problem(name, element, f"{label}为空", "填写表达式；文字须加引号，例如 \"P1Y\""))
            continue
        compiled = cell_source(source) if mode == "cell" else source
        error = _compile(compiled, "exec" if mode == "exec" else "eval")
        if error and error.startswith(IMPORT_REFUSED):  # it compiles; it is the sandbox that has no imports
            problems.append(index.problem(name, element, f"{label}“{source}”：{error}",
                                          "删去 import；图中的代码只能用系统提供的函数（见 docs/diagram-conventions.md）"))
            continue
        if error and error.startswith(ENDLESS_LOOP):
            problems.append(index.problem(name, element, f"{label}“{source}”：{error}",
                                          "满足条件时用 break 退出循环，或把 while 的条件写成会变为假的表达式"
                                          "（例如 while n < 10:）；逐项处理列表用 for … in …"))
            continue
        if error:
            hint = {"input cell": _FEEL_HINT, "output cell": "输出单元格是 Python 表达式：文字须加引号，例如 \"excellent\""}.get(
                kind, "按 Python 语法修改；文字须加引号，比较用 ==，并且用 and / or / not")
            if "${" in source or "#{" in source:
                hint = "这是 Camunda 的 JUEL 写法（${…}）；本系统的表达式是 Python，例如 site_ok == True 或 not site_ok"
            problems.append(index.problem(name, element, f"{label}“{source}”无法编译（{error}）", hint))
            continue
        if kind == "timer" and _ISO_DURATION.match(source.strip()):
            problems.append(index.problem(name, element, f"定时器表达式“{source}”没有加引号，会被当作变量名",
                                          f"定时器表达式是 Python：写作 \"{source.strip()}\"（带引号），或写一个保存 ISO 时间的变量"))
        if kind == "output cell" and re.fullmatch(r"[A-Za-z_]\w*", source) and source not in ("True", "False", "None"):
            problems.append(index.problem(name, element, f"{label}“{source}”没有加引号，会被当作变量名",
                                          f"如果是文字，写作 \"{source}\"", WARNING))
    return problems

