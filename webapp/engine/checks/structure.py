"""Structure of the processes: flows in and out of every node, gateway exits, and paths: every path from
a start event reaches an end (or waits where an event can end it), every node can be reached."""

from __future__ import annotations

from .graph import GATEWAYS, WAITS, Scope, interrupting, reach, scopes
from .index import BPMN_NS, _bpmn, _Index, _local, _text
from .problem import WARNING, Problem

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
                problems += _gateway_exits(index, name, element, out)
            elif local in ("parallelGateway", "eventBasedGateway"):
                for flow in outgoing.get(element.get("id"), []):
                    if _text(flow.find(f"{{{BPMN_NS}}}conditionExpression")):
                        problems.append(index.problem(
                            name, flow, f"{'并行' if local == 'parallelGateway' else '事件'}网关的出口带有条件，条件不会被使用",
                            "删除条件；要按条件选择路径，改用排他网关", WARNING))
            if local not in ("startEvent", "boundaryEvent") and element.get("id") not in incoming:
                if local in ("subProcess",) and element.get("triggeredByEvent") == "true":
                    continue
                if _local(parent) == "subProcess" and parent.get("triggeredByEvent") == "true":
                    continue
                problems.append(index.problem(name, element, "没有入口连线，永远不会被执行",
                                              "从上一步画一条连线到这里，或删除该元素", WARNING))
    return problems



def _gateway_exits(index: _Index, name: str, gateway, out: list) -> list[Problem]:
    """The default flow of an exclusive/inclusive gateway, and a lone conditional exit."""
    problems = []
    label = gateway.get("name") or gateway.get("id")
    default = gateway.get("default")
    ids = {f.get("id") for f in out}
    if default and default not in ids:
        problems.append(index.problem(
            name, gateway, f"网关“{label}”的默认路径“{default}”不是它的出口连线",
            "在网关的属性中重新选择默认路径（必须是从该网关出发的一条连线），或删除默认路径设置"))
    for flow in out:
        condition = _text(flow.find(f"{{{BPMN_NS}}}conditionExpression"))
        if flow.get("id") == default and condition:
            problems.append(index.problem(
                name, flow, f"这条连线是网关“{label}”的默认路径，它的条件“{condition}”不会被使用",
                "删除默认路径上的条件；默认路径在其他条件都不成立时走", WARNING))
    if len(out) == 1 and not default and _text(out[0].find(f"{{{BPMN_NS}}}conditionExpression")):
        # With one exit and no default, a false condition leaves the engine no way on: the case stops.
        problems.append(index.problem(
            name, out[0], f"网关“{label}”只有这一条出口，而且带条件：条件不成立时案件会停在网关处",
            "再画一条出口（例如连到结束事件）并设为默认路径，或删除这条连线上的条件"))
    return problems


# -------------------------------------------------------------------------------------------- paths

def _paths(index: _Index) -> list[Problem]:
    """Per process and (event) subprocess: nodes from which no end can be reached, and nodes no start reaches.

    A node without outgoing flows counts as an end here: when it is not an end event, the check above
    already reports it, and the nodes before it are not reported twice. What remains are loops with no
    way out. A loop that waits (a user task, a timer, a message, a called process) inside a subprocess
    that an interrupting boundary event can end is a case waiting for that event (the half-yearly report
    cycle until revocation): allowed. Otherwise a waiting loop never lets the case finish, and a loop
    with no wait at all makes the engine run forever."""
    problems = []
    for scope in scopes(index):
        problems += _trapped(index, scope)
        problems += _unreachable(index, scope)
    return problems


def _can_be_ended_from_outside(index: _Index, scope: Scope) -> bool:
    """An interrupting boundary event on the scope or on a subprocess around it (in the same file)."""
    ids = {scope.element.get("id")} | {a.get("id") for a in scope.element.iterancestors()
                                       if _local(a) in ("subProcess", "transaction", "adHocSubProcess")}
    root = scope.element.getroottree().getroot()
    return any(b.get("attachedToRef") in ids and interrupting(b) for b in _bpmn(root, "boundaryEvent"))


def _trapped(index: _Index, scope: Scope) -> list[Problem]:
    reachable = reach(scope.starts(), scope.succ)
    sinks = [i for i in scope.nodes if not scope.outgoing.get(i)]
    trapped = reachable - reach(sinks, scope.pred)
    if not trapped:
        return []
    waits = [i for i in trapped if _local(scope.nodes[i]) in WAITS]
    if waits and _can_be_ended_from_outside(index, scope):
        return []
    where = "子流程" if _local(scope.element) != "process" else "流程"
    if waits:
        message = f"从这里出发的每条路径都绕回原处，到不了{where}的结束事件，案件永远无法办结"
    else:
        message = f"从这里出发的每条路径都绕回原处，中间没有任何等待，也到不了{where}的结束事件：引擎会无休止地循环"
    hint = "在环路中的网关加一条通往后续步骤或结束事件的出口（写条件，或设为默认路径），让案件能够离开这个环"
    entries = sorted(i for i in trapped if i in scope.starts() or scope.pred.get(i, set()) - trapped)
    gateways = sorted(i for i in trapped if _local(scope.nodes[i]) in GATEWAYS and len(scope.outgoing.get(i, ())) > 1)
    problems = [index.problem(scope.file, scope.nodes[i], message, hint) for i in entries]
    for i in gateways:
        if i not in entries:
            problems.append(index.problem(scope.file, scope.nodes[i], f"网关的每条出口都绕回原处，到不了{where}的结束事件", hint))
    return problems


def _unreachable(index: _Index, scope: Scope) -> list[Problem]:
    """Nodes in a loop no start leads to (nodes with no incoming flow at all are reported above)."""
    roots = set(scope.starts()) | {i for i, n in scope.nodes.items()
                                   if not scope.pred.get(i) and _local(n) != "boundaryEvent"}
    reached = reach(roots, scope.succ)
    return [index.problem(scope.file, node, "从任何开始事件都走不到这里（它所在的环路与开始事件不相连），永远不会被执行",
                          "从开始事件之后的某一步画一条连线进入这里，或删除这些元素", WARNING)
            for i, node in scope.nodes.items() if i not in reached]
