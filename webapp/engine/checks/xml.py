"""Size limits, safe XML parsing and the root element: refused before any other parsing."""

from __future__ import annotations

import re

from lxml import etree

from ..safe_xml import SAFE_XML as _SAFE_XML
from .problem import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
MAX_FILES = 50
# Counts, after parsing: a 2 MB file can still hold ~100 000 elements. The checks compare rules pairwise
# and walk paths per element, and every running case embeds its whole spec in its stored state, so a
# bundle far beyond what a procedure needs is refused rather than slowing every save. The real bundle
# has ~1 400 elements in its largest file and 21 rules in its largest table.
MAX_ELEMENTS = 20_000        # XML elements per file (diagram shapes included)
MAX_FLOW_NODES = 1_000       # tasks, events and gateways per process, subprocesses included
MAX_RULES = 500              # rules per decision table
MAX_COLUMNS = 60             # inputs plus outputs per decision table

# ---------------------------------------------------------------------------------------------- XML


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




def _counts(name: str, root: etree._Element) -> list[Problem]:
    """Element counts of one parsed file against the limits above, naming the process or table."""
    from .graph import FLOW_NODES

    problems = []
    elements = sum(1 for _ in root.iter())
    if elements > MAX_ELEMENTS:
        return [Problem(name, "", "", f"文件中的元素过多（{elements} 个，上限 {MAX_ELEMENTS} 个）",
                        "把流程拆分为几个文件（用调用活动相互调用），或删除无用的元素")]
    for process in root.iter("{*}process"):
        nodes = sum(1 for e in process.iter() if isinstance(e.tag, str) and etree.QName(e).localname in FLOW_NODES)
        if nodes > MAX_FLOW_NODES:
            problems.append(Problem(name, process.get("id") or "", process.get("name") or "",
                                    f"流程中的任务、事件和网关过多（{nodes} 个，上限 {MAX_FLOW_NODES} 个）",
                                    "把其中独立的部分拆成单独的流程，用调用活动（callActivity）调用"))
    for table in root.iter("{*}decisionTable"):
        decision = table.getparent()
        rules = len(table.findall("{*}rule"))
        columns = len(table.findall("{*}input")) + len(table.findall("{*}output"))
        if rules > MAX_RULES:
            problems.append(Problem(name, decision.get("id") or "", decision.get("name") or "",
                                    f"决策表的规则过多（{rules} 条，上限 {MAX_RULES} 条）",
                                    "合并相邻的区间，或把决策拆分为几张表"))
        if columns > MAX_COLUMNS:
            problems.append(Problem(name, decision.get("id") or "", decision.get("name") or "",
                                    f"决策表的列过多（输入与输出共 {columns} 列，上限 {MAX_COLUMNS} 列）",
                                    "把决策拆分为几张表"))
    return problems
