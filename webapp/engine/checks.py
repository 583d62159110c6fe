"""Checks run before a bundle of BPMN/DMN files is deployed (issue 7, item 2).

`check_files(files)` returns every Problem found, each naming the file and the element (id and name),
saying what is wrong and how to fix it, in Chinese for the designer. Nothing here raises: an exception
from lxml or SpiffWorkflow becomes a Problem. `deploy()` refuses a bundle with any error; warnings are
shown but do not block.

Order: size limits and safe XML first (a 50 MB upload or an entity bomb is refused before any parsing),
then the schemas and the engine's parser, then the conventions of docs/diagram-conventions.md read
straight from the XML (so every problem has its element), then expressions, structure, decision tables,
decision outputs against what the diagrams test, and variables read by conditions.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
MAX_FILES = 50

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    element_id: str
    element_name: str
    message: str
    hint: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file or "（整个版本）"
        if self.element_id:
            where += f" · {self.element_id}" + (f"（{self.element_name}）" if self.element_name else "")
        text = f"{where}：{self.message.rstrip('。')}。"
        if self.hint:
            text += f"修改建议：{self.hint.rstrip('。')}。"
        return text if self.severity == ERROR else f"[提醒] {text}"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


# ---------------------------------------------------------------------------------------------- XML

_SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
)
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _sizes(files: dict[str, str]) -> list[Problem]:
    problems = []
    if not files:
        return [Problem("", "", "", "没有上传任何文件", "至少上传一个含可执行流程的 .bpmn 文件")]
    if len(files) > MAX_FILES:
        problems.append(Problem("", "", "", f"文件过多（{len(files)} 个，上限 {MAX_FILES} 个）",
                                "只上传流程（.bpmn）和决策表（.dmn）文件"))
    total = 0
    for name, text in files.items():
        if not (name.endswith(".bpmn") or name.endswith(".dmn")) or "/" in name or "\\" in name:
            problems.append(Problem(name, "", "", "文件名须以 .bpmn 或 .dmn 结尾，且不含路径", "重命名后再上传"))
        if not isinstance(text, str):
            problems.append(Problem(name, "", "", "文件内容不是文本", "上传 UTF-8 编码的 XML 文件"))
            continue
        # A str never takes fewer bytes than characters: a huge upload is refused without encoding it.
        size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "surrogatepass"))
        total += size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(name, "", "", f"文件过大（{size / 1024 / 1024:.1f} MB，单个文件上限 2 MB）",
                                    "检查文件是否误嵌入了图片或其他数据，或拆分为多个文件"))
    if total > MAX_TOTAL_BYTES:
        problems.append(Problem("", "", "", f"文件总大小过大（{total / 1024 / 1024:.1f} MB，上限 10 MB）",
                                "只上传本版本需要的流程和决策表"))
    return problems


def parse_xml(name: str, text: str) -> tuple[etree._Element | None, Problem | None]:
    """Safe parse of one file (sizes already checked): no DOCTYPE, no entities, no network."""
    match = _DTD.search(text[:200_000]) if len(text) > 200_000 else _DTD.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        return None, Problem(name, "", "", f"第 {line} 行含有 DOCTYPE 或 ENTITY 声明，出于安全原因不予接受",
                             "删除 <!DOCTYPE …> 与 <!ENTITY …> 声明；建模工具导出的 BPMN/DMN 文件不需要它们")
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=_SAFE_XML)
    except (etree.XMLSyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"第 {line} 行：" if line else ""
        return None, Problem(name, "", "", f"不是格式正确的 XML（{where}{getattr(exc, 'msg', None) or exc}）",
                             "用建模工具重新导出文件，或检查该行附近未闭合的标签和特殊字符（& 须写作 &amp;）")
    if root.getroottree().docinfo.doctype:
        return None, Problem(name, "", "", "含有 DOCTYPE 声明，出于安全原因不予接受", "删除 <!DOCTYPE …> 声明")
    kind = etree.QName(root).localname
    if kind != "definitions":
        return None, Problem(name, "", "", f"根元素是 <{kind}>，不是 BPMN/DMN 的 <definitions>",
                             "上传建模工具导出的 .bpmn 或 .dmn 文件")
    return root, None


# ---------------------------------------------------------------------------------------- helpers

def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


class _Index:
    """Every element with an id, per file, to name elements in problems."""

    def __init__(self, roots: dict[str, etree._Element]):
        self.roots = roots
        self.by_id: dict[str, tuple[str, etree._Element]] = {}
        for name, root in roots.items():
            for element in root.iter():
                if isinstance(element.tag, str) and element.get("id"):
                    self.by_id.setdefault(element.get("id"), (name, element))

    def problem(self, file, element, message, hint, severity=ERROR) -> Problem:
        if isinstance(element, str):
            found = self.by_id.get(element)
            element_id, element_name = element, (found[1].get("name") or "") if found else ""
            if found and not file:
                file = found[0]
        elif element is not None:
            element_id, element_name = element.get("id") or "", element.get("name") or element.get("label") or ""
        else:
            element_id, element_name = "", ""
        return Problem(file, element_id, element_name, message, hint, severity)

    def bpmn(self):
        return {n: r for n, r in self.roots.items() if n.endswith(".bpmn")}

    def dmn(self):
        return {n: r for n, r in self.roots.items() if n.endswith(".dmn")}


def _bpmn(root, local):
    return root.iter(f"{{{BPMN_NS}}}{local}")


def _properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in element.iter(f"{{{SPIFF_NS}}}property") if p.get("name")}


_MANUAL = ("userTask", "manualTask", "task")


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
            roots[name] = root
    if errors(problems):
        return problems
    index = _Index(roots)
    problems += _executable(index)
    problems += _engine(index, files)
    for check in (_lanes, _forms, _services, _expressions, _structure, _tables, _outputs_tested, _variables_written):
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


def _lanes(index: _Index) -> list[Problem]:
    from webapp.models.accounts import LANE_ROLES

    from .runtime import lane_role

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
    from tasks import registry

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


# -------------------------------------------------------------------------------------- expressions

_ISO_DURATION = re.compile(r"^(R\d*)?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")
_FEEL_HINT = "单元格是 Python 表达式，不是 FEEL：区间写作 70 <= ? < 85，否定写作 ? not in (\"a\", \"b\")，文字加引号"


def _compile(source: str, mode: str) -> str | None:
    from .sandbox import DiagramScriptError, compile_sandboxed

    try:
        compile_sandboxed(source, mode)
    except DiagramScriptError as exc:
        match = re.search(r"(SyntaxError: [^'\"]*?)(?: at statement|['\"]|$)", str(exc))
        return match.group(1).strip() if match else str(exc)
    except Exception as exc:  # noqa: BLE001 - whatever the compiler says is a problem
        return f"{type(exc).__name__}: {exc}"
    return None


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
               "output cell": "决策表输出单元格", "loopCardinality": "多实例数量", "completionCondition": "多实例完成条件"}


def _cell_source(cell: str) -> str:
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
        label = _KIND_LABEL.get(kind, "服务任务参数“" + kind.removeprefix("parameter ") + "”")
        if kind == "input cell" and source in ("", "-"):
            continue
        if kind == "input cell" and _looks_feel(source):
            problems.append(index.problem(name, element, f"{label}“{source}”是 FEEL 写法，本系统不支持", _FEEL_HINT))
            continue
        if not source:
            if kind in ("timer", "condition") or kind.startswith("parameter"):
                problems.append(index.problem(name, element, f"{label}为空", "填写表达式；文字须加引号，例如 \"P1Y\""))
            continue
        compiled = _cell_source(source) if mode == "cell" else source
        error = _compile(compiled, "exec" if mode == "exec" else "eval")
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


# ---------------------------------------------------------------------------------------- structure

_FLOW_NODES = ("task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
               "receiveTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
               "inclusiveGateway", "eventBasedGateway", "startEvent", "intermediateCatchEvent",
               "intermediateThrowEvent", "boundaryEvent")


def _structure(index: _Index) -> list[Problem]:
    problems = []
    for name, root in index.bpmn().items():
        flows = list(_bpmn(root, "sequenceFlow"))
        outgoing: dict[str, list] = {}
        incoming: set[str] = set()
        for flow in flows:
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
            incoming.add(flow.get("targetRef"))
        for element in root.iter():
            local = _local(element)
            if local not in _FLOW_NODES:
                continue
            parent = element.getparent()
            if not outgoing.get(element.get("id")):
                if local == "boundaryEvent":
                    problems.append(index.problem(name, element, "边界事件没有出口连线，触发后流程会停在这里",
                                                  "从该事件画一条连线到后续步骤或结束事件"))
                elif local == "subProcess" and element.get("triggeredByEvent") == "true":
                    continue
                else:
                    problems.append(index.problem(name, element, "没有出口连线，办完后案件会一直停在这里，没有任何待办",
                                                  "从该元素画一条连线到下一步，或连到结束事件"))
            if local in ("exclusiveGateway", "inclusiveGateway"):
                out = outgoing.get(element.get("id"), [])
                if len(out) > 1:
                    default = element.get("default")
                    bare = [f for f in out if f.get("id") != default
                            and not _text(f.find(f"{{{BPMN_NS}}}conditionExpression"))]
                    for flow in bare:
                        problems.append(index.problem(
                            name, flow, f"网关“{element.get('name') or element.get('id')}”的这条出口既没有条件，也不是默认路径",
                            "给这条连线写条件（如 decision == \"pass\"），或把它设为网关的默认路径"))
            if local not in ("startEvent", "boundaryEvent") and element.get("id") not in incoming:
                if local in ("subProcess",) and element.get("triggeredByEvent") == "true":
                    continue
                if _local(parent) == "subProcess" and parent.get("triggeredByEvent") == "true":
                    continue
                problems.append(index.problem(name, element, "没有入口连线，永远不会被执行",
                                              "从上一步画一条连线到这里，或删除该元素", WARNING))
    return problems


# ---------------------------------------------------------------------------------- decision tables

def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _gaps(intervals) -> list[str]:
    """Uncovered stretches of the real line, as text, given the dmn_check Intervals covering it."""
    points = sorted(intervals, key=lambda i: (i.low, not i.low_closed))
    gaps, reach, reach_closed = [], -math.inf, False  # covered up to reach (inclusive if reach_closed)
    for interval in points:
        starts_after = interval.low > reach or (interval.low == reach and not reach_closed and not interval.low_closed)
        if starts_after and interval.low != -math.inf:
            low = "" if reach == -math.inf else (f"{_fmt(reach)} < " if reach_closed else f"{_fmt(reach)} <= ")
            high = f"? <= {_fmt(interval.low)}" if not interval.low_closed else f"? < {_fmt(interval.low)}"
            gaps.append(low + high)
        if (interval.high, interval.high_closed) > (reach, reach_closed):
            reach, reach_closed = interval.high, interval.high_closed
    if reach != math.inf:
        gaps.append(f"? > {_fmt(reach)}" if reach_closed else f"? >= {_fmt(reach)}")
    return gaps


def _tables(index: _Index) -> list[Problem]:
    from .dmn_check import ANY, Interval, overlaps, parse_cell

    problems = []
    outputs = _decision_outputs(index)
    for name, root in index.dmn().items():
        for clash in overlaps(root):
            decision_id, _, pair = clash.partition(": ")
            if match := re.fullmatch(r"rules (\d+) \((.*)\) and (\d+) \((.*)\) can both match", pair):
                pair = f"规则 {match[1]}（{match[2]}）与规则 {match[3]}（{match[4]}）可能同时匹配"
            problems.append(index.problem(name, decision_id, f"唯一命中（UNIQUE）的决策表中有规则重叠：{pair}",
                                          "调整相邻规则的边界，使任何输入只匹配一条规则（例如 >= 85 与 70 <= ? < 85）"))
        for table in root.iter("{*}decisionTable"):
            if (table.get("hitPolicy") or "UNIQUE").upper() != "UNIQUE":
                continue
            decision = table.getparent()
            inputs = [put.findtext("{*}inputExpression/{*}text") or "" for put in table.findall("{*}input")]
            rules = [[parse_cell(e.findtext("{*}text")) for e in rule.findall("{*}inputEntry")]
                     for rule in table.findall("{*}rule")]
            if not rules or any(len(r) != len(inputs) for r in rules):
                continue
            for column, expression in enumerate(inputs):
                cells = [r[column] for r in rules]
                if any(c is None for c in cells):
                    continue
                numeric = [c for c in cells if isinstance(c, Interval)]
                literal = [c for c in cells if isinstance(c, frozenset)]
                groups: dict[tuple, list[int]] = {}
                for number, rule in enumerate(rules):
                    others = tuple(c for i, c in enumerate(rule) if i != column)
                    groups.setdefault(others, []).append(number)
                for others, members in groups.items():
                    if None in others:
                        continue
                    # Rules at least as wide on the other columns also cover this group.
                    covering = [r for r in range(len(rules)) if all(
                        o2 in (ANY, o) for o, o2 in zip(others, (c for i, c in enumerate(rules[r]) if i != column),
                                                              strict=True))]
                    column_cells = [rules[r][column] for r in covering]
                    if ANY in column_cells:
                        continue
                    if numeric and not literal and sum(isinstance(rules[m][column], Interval) for m in members) >= 2:
                        gaps = _gaps([c for c in column_cells if isinstance(c, Interval)])
                        for gap in gaps:
                            problems.append(index.problem(
                                name, decision, f"唯一命中（UNIQUE）的决策表有缺口：输入“{expression}”满足 {gap} 时没有任何规则匹配",
                                "补上缺失的区间（相邻规则的边界应首尾相接，例如 >= 85、70 <= ? < 85、50 <= ? < 70、< 50）"))
                    elif literal and not numeric and expression.strip() in outputs:
                        possible = outputs[expression.strip()][1]
                        listed = set().union(*[c for c in column_cells if isinstance(c, frozenset)])
                        for value in sorted(possible - listed, key=str):
                            problems.append(index.problem(
                                name, decision, f"唯一命中（UNIQUE）的决策表有缺口：输入“{expression}”为 \"{value}\" 时没有任何规则匹配",
                                f"为 \"{value}\" 加一条规则，或加一条兜底规则（如 ? not in (…)）"))
    return problems


def _decision_outputs(index: _Index) -> dict[str, tuple[str, set]]:
    """Output name -> (decision id, the string literals its rules can output), over all decisions."""
    found: dict[str, tuple[str, set]] = {}
    for root in index.dmn().values():
        for table in root.iter("{*}decisionTable"):
            decision = table.getparent().get("id")
            names = [o.get("name") for o in table.findall("{*}output")]
            for rule in table.findall("{*}rule"):
                for output_name, entry in zip(names, rule.findall("{*}outputEntry"), strict=False):
                    if not output_name:
                        continue
                    try:
                        value = ast.literal_eval((entry.findtext("{*}text") or "").strip())
                    except (ValueError, SyntaxError):
                        continue
                    if isinstance(value, str):
                        found.setdefault(output_name, (decision, set()))[1].add(value)
    return found


def _tested_literals(index: _Index) -> dict[str, set]:
    """Variable -> the string literals conditions and decision inputs compare it with."""
    tested: dict[str, set] = {}
    for _name, _element, kind, source, _mode in expressions(index):
        if kind != "condition":
            continue
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name):
                for comparator in node.comparators:
                    for literal in _string_literals(comparator):
                        tested.setdefault(node.left.id, set()).add(literal)
    for root in index.dmn().values():
        for table in root.iter("{*}decisionTable"):
            inputs = [(put.findtext("{*}inputExpression/{*}text") or "").strip() for put in table.findall("{*}input")]
            for rule in table.findall("{*}rule"):
                for expression, entry in zip(inputs, rule.findall("{*}inputEntry"), strict=False):
                    if re.fullmatch(r"[A-Za-z_]\w*", expression):
                        cell = (entry.findtext("{*}text") or "").strip()
                        for literal in re.findall(r"\"([^\"]*)\"|'([^']*)'", cell):
                            tested.setdefault(expression, set()).add(literal[0] or literal[1])
    return tested


def _string_literals(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _known_codes() -> dict[str, set]:
    """Codes the application itself knows for a decision output (it labels them on pages)."""
    from webapp import labels

    return {"grade": set(labels.GRADES)}


def _strict_gateways(index: _Index) -> dict[str, list]:
    """Variable -> gateways without a default flow whose conditions compare it with string literals:
    a value none of their conditions accepts stops the case there."""
    found: dict[str, list] = {}
    for root in index.bpmn().values():
        flows = list(_bpmn(root, "sequenceFlow"))
        for local in ("exclusiveGateway", "inclusiveGateway"):
            for gateway in _bpmn(root, local):
                if gateway.get("default"):
                    continue
                for flow in flows:
                    if flow.get("sourceRef") != gateway.get("id"):
                        continue
                    try:
                        tree = ast.parse(_text(flow.find(f"{{{BPMN_NS}}}conditionExpression")), mode="eval")
                    except SyntaxError:
                        continue
                    for node in ast.walk(tree):
                        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and \
                                any(_string_literals(c) for c in node.comparators):
                            found.setdefault(node.left.id, []).append(gateway)
    return found


def _outputs_tested(index: _Index) -> list[Problem]:
    """A decision's string outputs against what the diagrams downstream test for. Errors:
    - a value that differs only in case or spaces from a value that is tested or that the app knows
      (a grade mistyped "Pass": it would pass every `grade == "pass"`-less branch to the default path
      and be recorded and shown as it is);
    - a value outside the codes the app knows for that output (the grades it labels);
    - a value that a gateway without a default flow tests for with literals, none of which accepts it
      (the case would stop there with no path to take).
    A value that only falls to a gateway's default path (report_compliance's "continue") is fine."""
    tested = _tested_literals(index)
    known = _known_codes()
    strict = _strict_gateways(index)
    problems = []
    for output_name, (decision_id, values) in _decision_outputs(index).items():
        accepted = tested.get(output_name, set()) | known.get(output_name, set())
        for value in sorted(values - accepted):
            near = sorted(a for a in accepted if a.strip().lower() == value.strip().lower())
            if near:
                message = f"决策输出 {output_name} = \"{value}\" 与 \"{near[0]}\" 只差大小写或空格，下游条件不会把它当作 \"{near[0]}\""
                hint = f"改为 \"{near[0]}\""
            elif output_name in known:
                message = f"决策输出 {output_name} = \"{value}\" 不是系统认识的取值（{'、'.join(sorted(known[output_name]))}）"
                hint = "改为这些取值之一；新增取值需要同时修改下游条件和页面显示"
            elif output_name in strict:
                gateway = strict[output_name][0]
                message = (f"决策输出 {output_name} = \"{value}\" 在没有默认路径的网关“{gateway.get('name') or gateway.get('id')}”"
                           f"（{gateway.get('id')}）处没有条件接受，案件会停在那里")
                hint = f"在该网关加一条接受 \"{value}\" 的连线或设默认路径，或把输出改为检验的值：{'、'.join(sorted(tested[output_name]))}"
            else:
                continue
            problems.append(index.problem("", decision_id, message, hint))
    return problems


# ------------------------------------------------------------------------------ variables read/written

def _variables_written(index: _Index) -> list[Problem]:
    """Conservative: a variable a condition reads that nothing in the bundle writes (form fields, declared
    fields, choices labels, scripts, decision outputs, message variables, multi-instance items, data
    objects) and that no Python of the app names (start data, service-task results) is an error: the
    case would stop with a NameError at that gateway."""
    import forms

    from .sandbox import _SAFE_BUILTINS, HELPERS

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
    base = Path(__file__).resolve().parents[2]
    for folder in ("tasks", "forms", "webapp"):
        for path in (base / folder).rglob("*.py"):
            if path.name == "checks.py":
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


__all__ = ["ERROR", "MAX_FILES", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES", "WARNING", "Problem", "check_files", "errors"]

