"""Variables read by conditions and by the decisions that business rule tasks call, against what is written
upstream of them (in the diagrams) or by the app's Python (start data, service-task results)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .expressions import cell_source, expressions, kind_label
from .graph import data_graph, reach
from .index import _MANUAL, BPMN_NS, SPIFF_NS, _bpmn, _Index, _local, _properties, _text
from .problem import Problem

# ------------------------------------------------------------------------------ variables read/written

_PRE = "#pre"  # a task's preScript: runs before its decision, so what it writes is there for the inputs


@dataclass
class _Written:
    anywhere: set[str] = field(default_factory=set)            # known without knowing where (start data …)
    by: dict[str, set[str]] = field(default_factory=dict)      # variable -> element ids that write it

    def add(self, variable: str, element_id: str | None) -> None:
        if element_id:
            self.by.setdefault(variable, set()).add(element_id)
        else:
            self.anywhere.add(variable)


def _owner(element):
    """The flow node an extension element belongs to."""
    for ancestor in element.iterancestors():
        if ancestor.get("id") and _local(ancestor) not in ("messageEventDefinition", "extensionElements"):
            return ancestor
    return None


def _assigned(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _bound(source: str) -> set[str]:
    """Every name a script binds itself: assigned, defined (a function and its parameters), caught, looped over."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    bound = _assigned(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def free_names(source: str, mode: str = "eval") -> set[str]:
    """Names an expression reads from the task data: not the ones its comprehensions and lambdas bind."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            bound |= {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


def _decisions(index: _Index) -> dict[str, object]:
    return {d.get("id"): d for root in index.dmn().values() for d in root.iter("{*}decision") if d.get("id")}


def _called(index: _Index) -> list[tuple[str, object, str]]:
    """(file, business rule task, decision id) for every task that calls a decision."""
    found = []
    for name, root in index.bpmn().items():
        for task in _bpmn(root, "businessRuleTask"):
            called = next((_text(e) for e in task.iter(f"{{{SPIFF_NS}}}calledDecisionId")), "")
            if called:
                found.append((name, task, called))
    return found


def _written(index: _Index) -> _Written:
    import forms

    from ..sandbox import _SAFE_BUILTINS, HELPERS

    written = _Written(set(HELPERS) | set(_SAFE_BUILTINS))
    form_fields: dict[str, set[str]] = {}
    for key in forms.known_keys():
        names = form_fields.setdefault(key, set())
        for klass in forms._FORMS[key].__mro__:
            names.update(n for n, v in vars(klass).items() if hasattr(v, "field_class"))
    for root in index.bpmn().values():
        for element in root.iter():
            local = _local(element)
            if local in (*_MANUAL, "startEvent", "intermediateCatchEvent", "boundaryEvent"):
                for key in _properties(element):
                    if key.startswith(("field.", "choices.")):
                        variable = key.split(".", 1)[1]
                        written.add(variable, element.get("id"))
                        written.add(f"{variable}_label", element.get("id"))
                for variable in form_fields.get(_properties(element).get("formKey") or "", ()):
                    written.add(variable, element.get("id"))
            elif local == "scriptTask":
                for variable in _assigned(_text(element.find(f"{{{BPMN_NS}}}script"))):
                    written.add(variable, element.get("id"))
            elif local in ("preScript", "postScript") and _text(element):
                owner = _owner(element)
                owner_id = owner.get("id") if owner is not None else None
                for variable in _assigned(element.text):
                    written.add(variable, owner_id and (owner_id + _PRE if local == "preScript" else owner_id))
            elif local == "messageVariable" and _text(element):
                owner = _owner(element)
                written.add(_text(element), owner.get("id") if owner is not None else None)
            elif local == "messagePayload" and _text(element):
                # The payload becomes the data of the instance that receives it: its start data.
                try:
                    payload = ast.parse(_text(element), mode="eval").body
                except SyntaxError:
                    continue
                if isinstance(payload, ast.Dict):
                    written.anywhere.update(k.value for k in payload.keys
                                            if isinstance(k, ast.Constant) and isinstance(k.value, str))
            elif local in ("loopDataOutputRef", "loopDataInputRef", "variableName") and _text(element):
                # variableName: where an error or escalation is caught, its payload
                written.add(_text(element), None)
            elif local in ("inputDataItem", "outputDataItem", "dataObject", "dataObjectReference") \
                    and element.get("name"):
                written.add(element.get("name"), None)
    decisions = _decisions(index)
    called = _called(index)
    for _name, task, decision_id in called:
        for variable in _outputs(decisions.get(decision_id)):
            written.add(variable, task.get("id"))
    for decision_id, decision in decisions.items():
        if decision_id not in {c[2] for c in called}:  # read as data (a score sheet) or by the app
            written.anywhere.update(_outputs(decision))
    return written


def _outputs(decision) -> list[str]:
    if decision is None:
        return []
    return [o.get("name") for o in decision.iter("{*}output") if o.get("name")]


def _decision_reads(decision) -> set[str]:
    """Variables a decision reads: its input expressions, and names in its input and output cells."""
    read: set[str] = set()
    for table in decision.iter("{*}decisionTable"):
        for put in table.findall("{*}input"):
            read |= free_names(put.findtext("{*}inputExpression/{*}text") or "")
        for rule in table.findall("{*}rule"):
            for entry in rule.findall("{*}inputEntry"):
                cell = (entry.findtext("{*}text") or "").strip()
                if cell not in ("", "-"):
                    read |= free_names(cell_source(cell)) - {"dmninputexpr"}
            for entry in rule.findall("{*}outputEntry"):
                read |= free_names((entry.findtext("{*}text") or "").strip())
    return read


def _variables_written(index: _Index) -> list[Problem]:
    """A variable a condition or a called decision reads must be written before it is read.

    Errors: nothing in the bundle writes it and no Python of the app names it (the case would stop with a
    NameError there); or only elements that cannot have run before the reader write it (a condition on a
    field of a later task). Conservative where the diagrams cannot tell: a name that the app's Python
    mentions may be start data or a service-task result, and a loop counts its later steps as earlier."""
    written = _written(index)
    python = _python_names()
    pred = data_graph(index)
    upstream_of: dict[str, set[str]] = {}

    def before(node_id: str) -> set[str]:
        if node_id not in upstream_of:
            upstream_of[node_id] = reach([node_id], pred)
        return upstream_of[node_id]

    problems = []
    for name, element, kind, source, mode in expressions(index):
        if kind in ("input", "input cell", "output cell"):
            continue  # a decision's own expressions: checked below, against the tasks that call it
        if kind != "condition":
            # Scripts, timers, parameters, due dates…: a name nothing writes and the sandbox does not provide
            # (a typo, or `open`, which the sandbox leaves out) stops every case that reaches the element.
            # Where it is written is not checked: a script may read what an earlier run of a loop wrote.
            read = free_names(source, mode) - _bound(source)
            # Python's own builtins the sandbox leaves out (open, eval, __import__…) are refused by name: the
            # app's Python may use the same word as a data key (a task's status "open").
            unknown = sorted((read - written.anywhere - set(written.by) - python) | (read & _WITHHELD))
            for variable in unknown:
                problems.append(index.problem(
                    name, element, f"{kind_label(kind)}“{_short(source)}”读取的名称“{variable}”在任何表单、声明字段、"
                    "脚本、决策表输出或消息中都没有写入，也不是流程脚本可用的函数",
                    "检查名称是否拼错；流程脚本只能使用平台提供的函数（如 add_duration、now_iso、last_day），不能读写文件或导入模块"))
            continue
        source_id = element.get("sourceRef") or ""
        for variable in sorted(free_names(source)):
            if variable in written.anywhere or variable in python:
                continue
            writers = written.by.get(variable, set())
            if not writers:
                problems.append(index.problem(
                    name, element, f"条件“{source}”读取的变量“{variable}”在任何表单、声明字段、脚本、决策表输出或消息中都没有写入",
                    "检查变量名是否拼错，或该字段是否已被删除；需要时在前面的任务中用 field.<名称> 声明它"))
            elif not writers & (before(source_id) | {source_id + _PRE}):
                problems.append(index.problem(
                    name, element, f"条件“{source}”读取的变量“{variable}”只在{_names(index, writers)}中写入，"
                    "而这些步骤都不在该条件之前的任何路径上，走到这里时变量还不存在",
                    f"把条件改为读取前面步骤写入的变量，或在条件之前的任务中写入“{variable}”（例如用 field.{variable} 声明）"))
    decisions = _decisions(index)
    for name, task, decision_id in _called(index):
        decision = decisions.get(decision_id)
        if decision is None:
            continue  # the engine check names a missing decision
        task_id = task.get("id")
        upstream = (before(task_id) - {task_id}) | {task_id + _PRE}
        for variable in sorted(_decision_reads(decision)):
            if variable in written.anywhere or variable in python:
                continue
            writers = written.by.get(variable, set())
            table = f"决策表“{decision.get('name') or decision_id}”（{decision_id}）"
            if not writers:
                problems.append(index.problem(
                    name, task, f"{table}读取的变量“{variable}”在任何表单、声明字段、脚本、决策表输出或消息中都没有写入",
                    f"检查决策表的输入表达式是否拼错，或在调用它之前的任务中写入“{variable}”（例如用 field.{variable} 声明）"))
            elif not writers & upstream:
                problems.append(index.problem(
                    name, task, f"{table}读取的变量“{variable}”只在{_names(index, writers)}中写入，"
                    "而这些步骤都不在本任务之前的任何路径上，判定时变量还不存在",
                    f"把写入“{variable}”的步骤移到本任务之前，或在本任务的前置脚本（preScript）中给它赋值"))
    return problems


def _withheld() -> frozenset[str]:
    import builtins

    from ..sandbox import _SAFE_BUILTINS, HELPERS

    return frozenset(name for name in dir(builtins) if not name.startswith("_") or name == "__import__") \
        - set(_SAFE_BUILTINS) - set(HELPERS)


_WITHHELD = _withheld()


def _short(source: str) -> str:
    line = " ".join(source.split())
    return line if len(line) <= 60 else line[:57] + "…"


def _names(index: _Index, writers: set[str]) -> str:
    labels = []
    for writer in sorted(writers):
        element_id = writer.removesuffix(_PRE)
        found = index.by_id.get(element_id)
        label = (found[1].get("name") if found else "") or ""
        labels.append(f"“{label}”（{element_id}）" if label else f"“{element_id}”")
    return "、".join(labels[:3]) + ("等" if len(labels) > 3 else "")


@lru_cache(maxsize=1)
def _python_names() -> frozenset[str]:
    """Names the app's Python (tasks/, forms/, webapp/) may put into task data: dict keys, keyword
    arguments, string subscripts (`data["x"]`) and `"x" in data` tests. Start data, service-task results
    and forms' `task_data()` are built that way. Plain string constants elsewhere (labels, column names)
    are not counted: a variable the diagrams only write later should not pass because a page mentions it."""
    from pathlib import Path

    names: set[str] = set()
    here = Path(__file__).resolve().parent  # this package: the checks' own strings are not the app's
    base = here.parents[2]

    def word(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[A-Za-z_]\w*", node.value):
            return node.value
        return None

    for folder in ("tasks", "forms", "webapp"):
        for path in (base / folder).rglob("*.py"):
            if path.parent == here:
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Dict):
                    found = [word(k) for k in node.keys if k is not None]
                elif isinstance(node, ast.keyword):
                    found = [node.arg]
                elif isinstance(node, ast.Subscript):
                    found = [word(node.slice)]
                elif isinstance(node, ast.Compare):
                    found = [word(node.left)]
                else:
                    continue
                names.update(n for n in found if n)
    return frozenset(names)
