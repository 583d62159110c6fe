"""Whether the areas a change filing gives still meet the recognition conditions on premises (Art. 6.2; R2:
public service area at least 50 % of the total, at least 500 m² under the operator's own control).

The thresholds and the reasons are not written here: they are the rules of the decision table that checks
applications (eligibility.dmn), which the change-request step names in its `conditionsDecision` property. Of
that table, the rules whose conditions read only areas are run on the areas after the change; a designer who
moves a threshold there moves this notice too. The notice never refuses a filing: the space must keep meeting
the conditions, and a filing is how the Department learns that it may not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from webapp.engine.checks.expressions import cell_source

from .scores import step_property

log = logging.getLogger(__name__)

# What a filing knows after the change: the total and public areas (new, else on record). The area under the
# operator's own control is at most the total, so a total below the table's minimum fails that rule as well.
AREA_NAMES = frozenset({"total_area_m2", "public_area_m2", "controlled_area_m2"})
_ANY = ("", "-")


@dataclass(frozen=True)
class AreaRule:
    cells: tuple[tuple[str, str], ...]  # (input expression, cell) of each condition the rule sets
    output: str  # the output cell: the reason, as the table words it
    names: frozenset[str]  # what its input expressions read


_RULES: dict[tuple[int, str, str], tuple[AreaRule, ...]] = {}


def after_the_change(data: dict, before: dict) -> dict[str, float]:
    """The areas after the change: each new one, else the one on record (only those known)."""
    values = {}
    for key in ("total_area_m2", "public_area_m2"):
        value = data.get(f"new_{key}")
        value = before.get(key) if value in (None, "") else value
        if value not in (None, ""):
            values[key] = float(Decimal(str(value)))
    if "total_area_m2" in values:
        values["controlled_area_m2"] = values["total_area_m2"]
    return values


def shortfalls(bundle, decision_id: str, data: dict) -> list[str]:
    """The conditions of `decision_id` (in `bundle`, the version the case runs on) that the areas of the filing
    `data` (its new_* values and change_before) fail, in the table's words; [] when the filing changes no area."""
    if bundle is None or not decision_id:
        return []
    if data.get("new_total_area_m2") in (None, "") and data.get("new_public_area_m2") in (None, ""):
        return []
    before = data.get("change_before") if isinstance(data.get("change_before"), dict) else {}
    values = after_the_change(data, before)
    from webapp.engine.sandbox import SandboxedDataEnvironment

    environment = SandboxedDataEnvironment()
    found = []
    for rule in _area_rules(bundle, decision_id):
        if not rule.names <= values.keys():
            continue
        try:
            if all(environment.evaluate(cell_source(cell), {}, {"dmninputexpr": environment.evaluate(expr, values)})
                   for expr, cell in rule.cells):
                reason = environment.evaluate(rule.output, {}) if rule.output else ""
                if reason and str(reason) not in found:
                    found.append(str(reason))
        except Exception:  # a designer's cell this check cannot run: the notice is advice, the filing goes on
            log.warning("conditions check: rule of %s not evaluated", decision_id, exc_info=True)
    return found


def _area_rules(bundle, decision_id: str) -> tuple[AreaRule, ...]:
    """The rules of the decision whose every condition reads only areas (parsed once per version)."""
    key = (bundle.id, bundle.checksum, decision_id)
    if key not in _RULES:
        _RULES[key] = _read_rules(bundle.files or {}, decision_id)
    return _RULES[key]


def _read_rules(files: dict[str, str], decision_id: str) -> tuple[AreaRule, ...]:
    from webapp.engine.checks.variables import free_names
    from webapp.engine.definitions import DefinitionError, parse_xml_safely

    for name, text in sorted(files.items()):
        if not name.endswith(".dmn"):
            continue
        try:
            root = parse_xml_safely(name, text)
        except DefinitionError:
            continue
        decision = next((d for d in root.iter("{*}decision") if d.get("id") == decision_id), None)
        table = next(iter(decision.iter("{*}decisionTable")), None) if decision is not None else None
        if table is None:
            continue
        inputs = [_text(i.find("{*}inputExpression")) for i in table.findall("{*}input")]
        reads = [free_names(expr) if expr else {"?"} for expr in inputs]
        rules = []
        for rule in table.findall("{*}rule"):
            entries = [_text(e) for e in rule.findall("{*}inputEntry")]
            cells = tuple((inputs[i], cell) for i, cell in enumerate(entries) if i < len(inputs) and cell not in _ANY)
            names = frozenset(n for i, cell in enumerate(entries) if i < len(inputs) and cell not in _ANY
                              for n in reads[i])
            outputs = [_text(e) for e in rule.findall("{*}outputEntry")]
            if cells and names <= AREA_NAMES:
                rules.append(AreaRule(cells, outputs[0] if outputs else "", names))
        return tuple(rules)
    return ()


def _text(element) -> str:
    found = element.find("{*}text") if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def conditions_decision(bundle, process_id: str) -> str:
    """The decision table a process's steps check the recognition conditions on (the `conditionsDecision`
    property of one of its steps: change_filing.bpmn's 提交变更报备), or ""."""
    return step_property(bundle, process_id, "conditionsDecision")


def case_shortfalls(ctx, data: dict) -> list[str]:
    """`shortfalls` for the filing `data` of the case a form is shown in."""
    bundle = ctx.extra.get("bundle")
    decision = ctx.properties.get("conditionsDecision") or conditions_decision(bundle, ctx.extra.get("process_id", ""))
    return shortfalls(bundle, decision, data)


def filed_shortfalls(filing) -> list[str]:
    """`shortfalls` of a filing on the dossier (a ChangeFiling row), on the version its case ran on."""
    from webapp.extensions import db
    from webapp.models import ProcessInstance

    instance = db.session.get(ProcessInstance, filing.instance_id) if filing.instance_id else None
    if instance is None:
        return []
    return shortfalls(instance.bundle, conditions_decision(instance.bundle, instance.process_id),
                      filing.filed_values or {})
