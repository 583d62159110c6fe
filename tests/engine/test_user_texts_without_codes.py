"""What people read of the shipped diagrams holds no codes, variable names or rule ids.

A step's instructions, its `openedBecause` and `warning` texts, its name and the labels of its fields, choices,
materials and shown values are read by applicants and staff in Chinese. A choice's code (`not_filed`), a
variable (`awards_received`) or a rule id (R12) there is a word they cannot read: name the choice by its label
and cite the article (第十五条). Jinja tags are left out (what they print is data, not the diagram's words);
upper-case abbreviations (PDF) are allowed.

A guard over bpmn/, run with the engine tests: a designer's edit that leaks a code fails here, naming the
file, the element and the words.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
WORD = re.compile(r"[A-Za-z0-9_]+")
RULE_ID = re.compile(r"^R\d+$")
TEMPLATES = ("openedBecause", "warning")


def _labels(name: str, value: str) -> list[str]:
    """The words people read in a property's value: its label and its choices' labels, not its codes."""
    if name.startswith("field."):  # type|label|code=label;code=label
        _, _, rest = value.partition("|")
        label, _, choices = rest.partition("|")
        return [label, *(part.split("=", 1)[1] for part in choices.split(";") if "=" in part)]
    if name.startswith("choices."):  # code=label;code=label
        return [part.split("=", 1)[1] for part in value.split(";") if "=" in part]
    if name.startswith("attachment."):  # required|label
        return [value.partition("|")[2]]
    if name.startswith("show."):  # the label of a shown variable
        return [value]
    if name in TEMPLATES:
        return [value]
    return []


def user_texts() -> list[tuple[str, str, str]]:
    """(file, element id, text) for every text of the shipped diagrams that people read."""
    texts = []
    for path in sorted(BPMN.glob("*.bpmn")):
        tree = etree.parse(str(path))
        for task in tree.iterfind(".//bpmn:userTask", NS):
            texts.append((path.name, task.get("id"), task.get("name") or ""))
            texts += [(path.name, task.get("id"), doc.text or "") for doc in task.iterfind("bpmn:documentation", NS)]
        # a user task's properties, and the fields declared on the events people start or send from a page
        for prop in tree.iterfind(".//spiffworkflow:property", NS):
            owner = prop.getparent().getparent().getparent()
            texts += [(path.name, owner.get("id"), text) for text in _labels(prop.get("name", ""), prop.get("value", ""))]
    return texts


def codes_in(text: str) -> list[str]:
    """Words of three or more lower-case letters or underscores (an identifier, or English), and rule ids."""
    return [word for word in WORD.findall(JINJA.sub(" ", text))
            if RULE_ID.match(word) or sum(c.islower() or c == "_" for c in word) >= 3]


def test_the_guard_finds_a_choice_code_and_a_rule_id_but_not_a_template_or_an_abbreviation():
    assert codes_in("请登记备案结果：national（国家众创空间）或 not_filed（未备案）（R12）") == ["national", "not_filed", "R12"]
    assert codes_in("{% if grade == 'fail' %}请上传 PDF 文件（第七条）{% endif %}{{ report_deadline|last_day }}") == []


def test_what_people_read_in_the_shipped_diagrams_holds_no_codes():
    texts = user_texts()
    assert any(element == "national_filing" for _, element, _ in texts)  # the walk reaches the user tasks
    leaks = [(file, element, codes_in(text)) for file, element, text in texts if codes_in(text)]
    assert leaks == [], leaks
