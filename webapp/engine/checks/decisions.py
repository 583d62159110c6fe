"""Decision tables: gaps and overlaps, and decision outputs against what the diagrams test."""

from __future__ import annotations

import ast
import math
import re

from .expressions import expressions
from .index import _MANUAL, BPMN_NS, _bpmn, _Index, _local, _properties, _text
from .problem import WARNING, Problem

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
    from ..dmn_check import ANY, Interval, overlaps, parse_cell

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
    return problems + _tests_never_true(index, known)


def _comparisons(source: str) -> list[tuple[str, str]]:
    """(variable, string literal) for each `v == "x"`, `v != "x"`, `v in ("x", …)` in a condition."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name):
            for op, comparator in zip(node.ops, node.comparators, strict=False):
                if isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
                    found += [(node.left.id, literal) for literal in _string_literals(comparator)]
    return found


def _other_values(index: _Index) -> tuple[dict[str, set], set[str]]:
    """Values a variable gets besides decision outputs: choice codes and literals assigned in scripts; and
    the variables people type in (form fields, declared free fields), which may hold anything."""
    import forms

    values: dict[str, set] = {}
    free: set[str] = set()
    for key in forms.known_keys():
        for klass in forms._FORMS[key].__mro__:
            free.update(n for n, v in vars(klass).items() if hasattr(v, "field_class"))
    for root in index.bpmn().values():
        for element in root.iter():
            if _local(element) not in (*_MANUAL, "startEvent", "intermediateCatchEvent", "boundaryEvent"):
                continue
            for key, value in _properties(element).items():
                kind, _, rest = value.partition("|")
                if key.startswith("choices."):
                    codes = [part.partition("=")[0].strip() for part in value.split(";")]
                    values.setdefault(key.removeprefix("choices."), set()).update(codes)
                elif key.startswith("field.") and kind == "choice":
                    codes = [part.partition("=")[0].strip() for part in rest.partition("|")[2].split(";")]
                    values.setdefault(key.removeprefix("field."), set()).update(codes)
                elif key.startswith("field."):
                    free.add(key.removeprefix("field."))
    for _name, _element, kind, source, _mode in expressions(index):
        if kind != "script":
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in (t for t in node.targets if isinstance(t, ast.Name)):
                    values.setdefault(target.id, set()).update(_string_literals(node.value))
    return values, free


def _tests_never_true(index: _Index, known: dict[str, set]) -> list[Problem]:
    """A condition comparing a decision's output with a text no decision gives (grade == "合格" when the
    table outputs "pass"): that branch is never taken, and a gateway without a default stops the case."""
    outputs = _decision_outputs(index)
    others, free = _other_values(index)
    problems = []
    for name, element, kind, source, _mode in expressions(index):
        if kind != "condition":
            continue
        for variable, literal in _comparisons(source):
            if variable not in outputs or variable in free:
                continue
            decision_id, values = outputs[variable]
            possible = values | known.get(variable, set()) | others.get(variable, set())
            if literal in possible:
                continue
            shown = "、".join(f'"{v}"' for v in sorted(possible))
            near = sorted(v for v in possible if v.strip().lower() == literal.strip().lower())
            problems.append(index.problem(
                name, element, f"条件“{source}”检验 {variable} 是否为 \"{literal}\"，但决策表 {decision_id} 只会给出 {shown}：这个比较永远不成立",
                f"改为 \"{near[0]}\"" if near else f"改为决策表会给出的取值之一（{shown}），或在决策表中加上输出 \"{literal}\""))
    return problems



# ---------------------------------------------------------------------------------- a rule's own words

_NUMBER = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)(\s*[%％])?")


def _numbers(text: str, percent_as_share: bool) -> set[float]:
    found = set()
    for digits, percent in _NUMBER.findall(text or ""):
        value = float(digits)
        found.add(round(value / 100, 6) if percent and percent_as_share else value)
    return found


def _rule_words(index: _Index) -> list[Problem]:
    """A rule whose output text names a number (不得低于500平方米) while none of its conditions does (< 800): a
    designer changed the condition and not the words, and applicants were refused for 600 ㎡ as "below 500".
    A reminder, not a refusal: the words may quote a number of their own."""
    problems = []
    for name, root in index.dmn().items():
        for rule in root.iter("{*}rule"):
            conditions: set[float] = set()
            for entry in rule.findall("{*}inputEntry"):
                conditions |= _numbers(entry.findtext("{*}text") or "", percent_as_share=False)
            if not conditions:
                continue
            for entry in rule.findall("{*}outputEntry"):
                text = entry.findtext("{*}text") or ""
                said = _numbers(text, percent_as_share=True)
                if said and not said & conditions:
                    quoted = "、".join(_fmt(n) for n in sorted(said))
                    tested = "、".join(_fmt(n) for n in sorted(conditions))
                    problems.append(index.problem(
                        name, rule, f"规则的输出文字写的是 {quoted}，条件中的数值却是 {tested}：用户读到的说明可能与规则不一致",
                        "修改条件后，请同时修改这条规则的输出文字（例如“不得低于 800 平方米”），使二者一致", WARNING))
    return problems
