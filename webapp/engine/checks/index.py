"""Shared helpers of the checks: the index of elements by id and small XML accessors."""

from __future__ import annotations

from lxml import etree

from .problem import ERROR, Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

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

