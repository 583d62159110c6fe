"""Conventions of docs/diagram-conventions.md: lanes, forms and declared fields, service tasks."""

from __future__ import annotations

import inspect
import re

from .index import _MANUAL, BPMN_NS, SPIFF_NS, _bpmn, _Index, _local, _properties, _text
from .problem import WARNING, Problem


def _lanes(index: _Index) -> list[Problem]:
    from webapp.models.accounts import LANE_ROLES

    from ..runtime import lane_role

    problems = []
    roles = "、".join(LANE_ROLES)
    for name, root in index.bpmn().items():
        for lane in _bpmn(root, "lane"):
            role = lane_role(lane.get("name"))
            if role in (None, *LANE_ROLES):
                continue
            for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
                found = index.by_id.get(_text(ref))
                if found and _local(found[1]) in _MANUAL:
                    problems.append(index.problem(name, found[1], f"所在泳道“{lane.get('name')}”没有指明角色",
                                                  f"泳道名称写作角色，例如“评审专家 (expert)”；可用的角色：{roles}"))
        for task in (t for local in _MANUAL for t in _bpmn(root, local)):
            if not task.get("name"):
                problems.append(index.problem(name, task, "用户任务没有名称，待办中会显示为空",
                                              "给任务起一个用户能看懂的中文名称", WARNING))
    return problems


_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_FIELD_TYPES = ("yesno", "choice", "integer", "number", "text", "textarea", "textarea_required")


def _declared_problems(index, name, element, props) -> list[Problem]:
    problems = []
    for key, value in props.items():
        if not key.startswith("field."):
            continue
        field = key.removeprefix("field.")
        kind, _, rest = value.partition("|")
        if not _FIELD_NAME.match(field):
            problems.append(index.problem(name, element, f"声明的字段名“{field}”不合规，该字段会被丢弃",
                                          "字段名以小写字母开头，只含小写字母、数字和下划线，最长 60 个字符，例如 field.site_ok"))
        if kind not in _FIELD_TYPES:
            problems.append(index.problem(name, element, f"字段“{field}”的类型“{kind}”未知",
                                          f"类型写在值的开头，例如 yesno|是否合规；可用的类型：{'、'.join(_FIELD_TYPES)}"))
        elif kind == "choice":
            options = [part for part in rest.partition("|")[2].split(";") if "=" in part]
            if not options:
                problems.append(index.problem(name, element, f"选择字段“{field}”没有选项",
                                              "写作 choice|标签|代码=名称;代码=名称，例如 choice|结论|pass=通过;fail=不通过"))
    return problems


def _forms(index: _Index) -> list[Problem]:
    import forms

    known = set(forms.known_keys())
    problems = []
    for name, root in index.bpmn().items():
        for local in (*_MANUAL, "startEvent", "intermediateCatchEvent", "boundaryEvent"):
            for element in _bpmn(root, local):
                props = _properties(element)
                problems += _declared_problems(index, name, element, props)
                key = props.get("formKey")
                declared = any(k.startswith("field.") for k in props)
                if local in _MANUAL and key and key not in known and not declared:
                    problems.append(index.problem(
                        name, element, f"表单“{key}”没有注册，任务也没有声明字段，用户只能填写意见并确认",
                        "改用已注册的表单（如 recognition.material_review），或用 field.<名称> 声明要填写的字段",
                        WARNING))
                for choice_key, value in props.items():
                    if choice_key.startswith("choices.") and not [p for p in value.split(";") if "=" in p]:
                        problems.append(index.problem(name, element, f"“{choice_key}”没有可用的选项",
                                                      "写作 代码=名称;代码=名称"))
    return problems


def _services(index: _Index) -> list[Problem]:
    from ..services import registry

    names = registry.names()
    problems = []
    for name, root in index.bpmn().items():
        for task in _bpmn(root, "serviceTask"):
            operators = list(task.iter(f"{{{SPIFF_NS}}}serviceTaskOperator"))
            if not operators:
                problems.append(index.problem(name, task, "服务任务没有指定要调用的功能",
                                              f"在 spiffworkflow:serviceTaskOperator 中写已注册的功能名：{'、'.join(names)}"))
                continue
            operator = operators[0].get("id") or ""
            if operator not in names:
                problems.append(index.problem(name, task, f"没有名为“{operator}”的服务任务功能",
                                              f"改为已注册的功能名之一：{'、'.join(names)}"))
                continue
            signature = inspect.signature(registry.get(operator))
            parameters = list(signature.parameters.values())[1:]  # the first is the ServiceContext
            accepts_any = any(p.kind == p.VAR_KEYWORD for p in parameters)
            allowed = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
            given = [p.get("id") for p in operators[0].iter(f"{{{SPIFF_NS}}}parameter")]
            for parameter in given:
                if not accepts_any and parameter not in allowed:
                    problems.append(index.problem(name, task, f"功能“{operator}”没有参数“{parameter}”",
                                                  f"删除该参数，或改为它接受的参数：{'、'.join(sorted(allowed)) or '（无）'}"))
            for p in parameters:
                if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in given:
                    problems.append(index.problem(name, task, f"功能“{operator}”需要参数“{p.name}”，但没有给出",
                                                  f"在服务任务的参数中加上 {p.name}"))
    return problems


def _returns(index: _Index) -> list[Problem]:
    """`returnTo` (the office verb 退回, webapp/engine/office.py) names user tasks of the same process that come
    before the step; anything else could never be offered, so the designer is told at once."""
    from .graph import data_graph, reach

    before = data_graph(index)
    problems = []
    for name, root in index.bpmn().items():
        for task in (t for local in _MANUAL for t in _bpmn(root, local)):
            targets = [p.strip() for p in _properties(task).get("returnTo", "").split(",") if p.strip()]
            if not targets:
                continue
            process = next((a for a in task.iterancestors() if _local(a) == "process"), None)
            earlier = reach([task.get("id")], before)
            for target in targets:
                # Looked up in the task's own process: ids repeat across files (combine_scores).
                element = next((e for e in (process.iter() if process is not None else ()) if e.get("id") == target), None)
                if element is None or _local(element) not in _MANUAL:
                    problems.append(index.problem(name, task, f"退回目标“{target}”不是本流程中的用户任务",
                                                  "returnTo 写本流程中此前某个用户任务的 id，多个用逗号分隔，例如 submit_application"))
                elif target == task.get("id") or target not in earlier:
                    problems.append(index.problem(name, task, f"退回目标“{target}”（{element.get('name') or target}）不在本任务之前",
                                                  "只能退回到流程中先于本任务办理的用户任务"))
    return problems


def _operator_ids(index: _Index) -> list[Problem]:
    """SpiffWorkflow indexes every element of a process that has an id, its extension elements too, the last
    one of an id winning (ProcessParser._index_process_nodes): an element whose id is also a service task's
    function (`<spiffworkflow:serviceTaskOperator id="take_queued_objection">`) or parameter name is found as
    that extension element when a flow leads to it, and the parse fails with "There is no support implemented
    for this task type". Whether it fails depends on the order in the file, so every such clash is refused,
    naming the element: it is the element's id that can change, the function's name is fixed."""
    problems = []
    for name, root in index.bpmn().items():
        for process in _bpmn(root, "process"):
            extensions = {}  # id -> (what it is, the service task it belongs to)
            for element in process.iter(f"{{{SPIFF_NS}}}*"):
                if not element.get("id") or element.get("id") in extensions:
                    continue
                task = next((a for a in element.iterancestors() if _local(a) == "serviceTask"), None)
                extensions[element.get("id")] = (_local(element), task)
            if not extensions:
                continue
            for element in process.iter(f"{{{BPMN_NS}}}*"):
                clash = extensions.get(element.get("id") or "")
                if clash is None:
                    continue
                kind, task = clash
                element_id = element.get("id")
                shown = f"元素“{element.get('name')}”（{element_id}）" if element.get("name") else f"元素 {element_id}"
                owner = "本服务任务" if task is element else (f"服务任务“{task.get('name') or task.get('id')}”"
                                                          if task is not None else "某个扩展元素")
                what, fixed = {"serviceTaskOperator": (f"{owner}调用的功能“{element_id}”", "功能名是系统登记的，不能改"),
                               "parameter": (f"{owner}的参数“{element_id}”", "参数名由所调用的功能规定，不能改"),
                               }.get(kind, (f"扩展元素 {kind}“{element_id}”", "扩展元素的 id 不要改"))
                problems.append(index.problem(
                    name, element, f"{shown}的 id 与{what}同名，流程引擎会把两者混淆而无法解析流程",
                    f"在建模工具中把该元素的 id 改为别的名称（例如 {element_id}_step）；{fixed}"))
    return problems
