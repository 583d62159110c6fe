"""Executable processes, XSD validation and the engine's own parse, its messages made readable."""

from __future__ import annotations

import re

from .index import _bpmn, _Index
from .problem import Problem


def _executable(index: _Index) -> list[Problem]:
    problems, any_executable = [], False
    bpmn = index.bpmn()
    for name, root in bpmn.items():
        processes = list(_bpmn(root, "process"))
        executable = [p for p in processes if p.get("isExecutable", "true") == "true"]
        any_executable = any_executable or bool(executable)
        if not executable:
            problem_element = processes[0] if processes else None
            problems.append(index.problem(name, problem_element, "没有可执行的流程（isExecutable=\"true\"）",
                                          "在建模工具中勾选流程的“可执行”（Executable），或不要上传这个文件"))
        for element in _bpmn(root, "adHocSubProcess"):
            # SpiffWorkflow adds an ad-hoc sub-process's chosen paths to its process definition, which all
            # cases share (webapp/engine/state.py keeps definitions out of saved states): not supported.
            problems.append(index.problem(name, element, "暂不支持自由顺序子流程（adHocSubProcess）",
                                          "改用普通子流程，以排他网关或并行网关表达可选的步骤"))
    if not bpmn:
        problems.append(Problem("", "", "", "没有任何 .bpmn 流程文件", "至少上传一个含可执行流程的 .bpmn 文件"))
    elif not any_executable and len(bpmn) > 1:
        problems.append(Problem("", "", "", "整个版本没有可执行的流程", "至少一个流程须设为可执行"))
    return problems


def _engine_problem(index: _Index, exc, file="") -> Problem:
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    message = re.sub(r"\s*<Element [^>]*>", "", re.sub(r" at 0x[0-9a-f]+", "", message)).strip()
    hint = "按提示修改该元素；本系统使用 SpiffWorkflow 引擎，部分 BPMN 元素（如数据存储、数据关联）只支持其规定的写法"
    if re.search(r"data ?store|dataStore|Cannot resolve data(Input|Output)Association", message, re.IGNORECASE):
        message = f"数据存储或数据关联无法识别：{message}"
        hint = ("本系统不支持数据存储（dataStoreReference）及指向它的数据关联；删除数据存储及其连线，"
                "需要保存的数据用任务的表单字段或服务任务写入")
    if isinstance(exc, ValidationException):
        element_id = getattr(exc, "id", "") or ""
        file = getattr(exc, "file_name", "") or file
        line = getattr(exc, "line_number", "")
        if "XSD" in message or "validat" in message.lower():
            hint = "文件不符合 BPMN/DMN 标准格式（XSD）；用建模工具重新导出，或按提示修改该行的元素"
        where = f"第 {line} 行：" if line else ""
        problem = index.problem(file, element_id or None, f"流程引擎无法解析（{where}{message}）", hint)
        if not element_id and getattr(exc, "tag", ""):
            problem = Problem(problem.file, "", getattr(exc, "tag", ""), problem.message, hint)
        return problem
    # Other exceptions name an element in their text at best: find an id we know.
    for element_id in re.findall(r"[A-Za-z_][\w.-]*", message):
        if element_id in index.by_id and len(element_id) > 2:
            return index.problem(file or index.by_id[element_id][0], element_id, f"流程引擎无法解析（{message}）", hint)
    return Problem(file, "", "", f"流程引擎无法解析（{type(exc).__name__}: {message}）", hint)


def _engine(index: _Index, files: dict[str, str]) -> list[Problem]:
    """XSD validation and the engine's own parse, each error as a problem naming its element."""
    from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

    problems = []
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name in sorted(index.dmn()):
        try:
            parser.add_dmn_xml(index.roots[name], filename=name)
        except Exception as exc:
            problems.append(_engine_problem(index, exc, name))
    for name in sorted(index.bpmn()):
        try:
            parser.add_bpmn_xml(index.roots[name], filename=name)
        except Exception as exc:
            problems.append(_engine_problem(index, exc, name))
    if problems:
        return problems
    for pid in sorted(parser.process_parsers):
        process_parser = parser.process_parsers[pid]
        if not process_parser.process_executable:
            continue
        try:
            parser.get_spec(pid)
            parser.get_subprocess_specs(pid)
        except Exception as exc:
            problems.append(_engine_problem(index, exc, process_parser.filename))
    for dmn_parser in parser.dmn_parsers.values():
        try:
            dmn_parser.parse()
        except Exception as exc:
            problems.append(_engine_problem(index, exc, dmn_parser.filename if hasattr(dmn_parser, "filename") else ""))
    return problems
