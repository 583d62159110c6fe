"""Checks run before a bundle of BPMN/DMN files is deployed (issue 7, item 2).

`check_files(files)` returns every Problem found, each naming the file and the element (id and name),
saying what is wrong and how to fix it, in Chinese for the designer. Nothing here raises: an exception
from lxml or SpiffWorkflow becomes a Problem. `deploy()` refuses a bundle with any error; warnings are
shown but do not block.

Order: size limits and safe XML first (a 50 MB upload or an entity bomb is refused before any parsing),
then element counts, the schemas and the engine's parser, then the conventions of
docs/diagram-conventions.md read straight from the XML (so every problem has its element), then
expressions, structure, paths (every path from a start reaches an end), decision tables, decision outputs
against what the diagrams test (both ways), and variables read by conditions and called decisions.
"""

from __future__ import annotations

import hashlib
import json

from .conventions import _forms, _lanes, _operator_ids, _returns, _services
from .decisions import _outputs_tested, _rule_words, _tables
from .engine import _engine, _executable
from .expressions import _expressions
from .index import _Index
from .problem import ERROR, WARNING, Problem, errors
from .structure import _paths, _structure
from .variables import _variables_written
from .xml import (
    MAX_ELEMENTS,
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_FLOW_NODES,
    MAX_RULES,
    MAX_TOTAL_BYTES,
    _counts,
    _sizes,
    parse_xml,
)

# ------------------------------------------------------------------------------------- the checks

_RESULTS: dict[str, tuple[Problem, ...]] = {}  # content digest -> problems (the same bundle is checked once)


def check_files(files: dict[str, str]) -> list[Problem]:
    """Every problem of a bundle; empty (or only warnings) means it may be deployed."""
    problems = _sizes(files)
    if errors(problems):
        return problems
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()
    if digest not in _RESULTS:
        if len(_RESULTS) > 16:
            _RESULTS.clear()
        _RESULTS[digest] = tuple(_check(files, problems))
    return list(_RESULTS[digest])


def _check(files: dict[str, str], problems: list[Problem]) -> list[Problem]:
    roots = {}
    for name in sorted(files):
        root, problem = parse_xml(name, files[name])
        if problem:
            problems.append(problem)
        else:
            problems += _counts(name, root)
            roots[name] = root
    if errors(problems):
        return problems
    index = _Index(roots)
    problems += _executable(index)
    problems += _engine(index, files)
    for check in (_lanes, _forms, _services, _operator_ids, _returns, _expressions, _structure, _paths, _tables,
                  _rule_words, _outputs_tested, _variables_written):
        try:
            problems += check(index)
        except Exception as exc:  # a check must never turn into a server error
            problems.append(Problem("", "", "", f"检查“{check.__name__.strip('_')}”未能完成（{type(exc).__name__}: {exc}）",
                                    "请把文件交给开发人员排查", WARNING))
    return _unique(problems)


def _unique(problems):
    """Without repeats; the engine's own message on an element is dropped when a check explains it better."""
    explained = {(p.file, p.element_id) for p in problems
                 if p.element_id and p.severity == ERROR and not p.message.startswith("流程引擎无法解析")}
    seen, out = set(), []
    for p in problems:
        if p.message.startswith("流程引擎无法解析") and (p.file, p.element_id) in explained:
            continue
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


__all__ = ["ERROR", "MAX_ELEMENTS", "MAX_FILES", "MAX_FILE_BYTES", "MAX_FLOW_NODES", "MAX_RULES", "MAX_TOTAL_BYTES", "WARNING", "Problem", "check_files", "errors"]

