"""Variables read by conditions against what the bundle and the app's Python write."""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from .expressions import _names_read, expressions
from .index import _Index, _local, _text
from .problem import Problem

# ------------------------------------------------------------------------------ variables read/written

def _variables_written(index: _Index) -> list[Problem]:
    """Conservative: a variable a condition reads that nothing in the bundle writes (form fields, declared
    fields, choices labels, scripts, decision outputs, message variables, multi-instance items, data
    objects) and that no Python of the app names (start data, service-task results) is an error: the
    case would stop with a NameError at that gateway."""
    import forms

    from ..sandbox import _SAFE_BUILTINS, HELPERS

    written: set[str] = set(HELPERS) | set(_SAFE_BUILTINS)
    for key in forms.known_keys():
        form_class = forms._FORMS[key]
        for klass in form_class.__mro__:
            written.update(n for n, v in vars(klass).items() if hasattr(v, "field_class"))
    for root in index.roots.values():
        for element in root.iter():
            local = _local(element)
            if local == "property":
                key = element.get("name") or ""
                if key.startswith(("field.", "choices.")):
                    field = key.split(".", 1)[1]
                    written.update({field, f"{field}_label"})
            elif local in ("script", "preScript", "postScript") and _text(element):
                try:
                    tree = ast.parse(element.text)
                except SyntaxError:
                    continue
                written.update(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
            elif local == "output" and element.get("name"):
                written.add(element.get("name"))
            elif local in ("messageVariable", "loopDataOutputRef", "loopDataInputRef") and _text(element):
                written.add(_text(element))
            elif local in ("inputDataItem", "outputDataItem", "dataObject", "dataObjectReference", "property") \
                    and element.get("name"):
                written.add(element.get("name"))
    problems = []
    for name, element, kind, source, _mode in expressions(index):
        if kind != "condition":
            continue
        for variable in sorted(_names_read(source) - written):
            if variable in _python_names():
                continue
            problems.append(index.problem(
                name, element, f"条件“{source}”读取的变量“{variable}”在任何表单、声明字段、脚本、决策表输出或消息中都没有写入",
                "检查变量名是否拼错，或该字段是否已被删除；需要时在前面的任务中用 field.<名称> 声明它"))
    return problems


@lru_cache(maxsize=1)
def _python_names() -> frozenset[str]:
    """String constants in the app's Python (tasks/, forms/, webapp/): start data, service results."""
    from pathlib import Path

    names: set[str] = set()
    here = Path(__file__).resolve().parent  # this package: the checks' own strings are not the app's
    base = here.parents[2]
    for folder in ("tasks", "forms", "webapp"):
        for path in (base / folder).rglob("*.py"):
            if path.parent == here:
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[A-Za-z_]\w*", node.value):
                    names.add(node.value)
                elif isinstance(node, ast.keyword) and node.arg:
                    names.add(node.arg)
    return frozenset(names)
