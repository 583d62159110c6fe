"""Structure of the processes: flows in and out of every node, gateway exits."""

from __future__ import annotations

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
            if local not in ("startEvent", "boundaryEvent") and element.get("id") not in incoming:
                if local in ("subProcess",) and element.get("triggeredByEvent") == "true":
                    continue
                if _local(parent) == "subProcess" and parent.get("triggeredByEvent") == "true":
                    continue
                problems.append(index.problem(name, element, "没有入口连线，永远不会被执行",
                                              "从上一步画一条连线到这里，或删除该元素", WARNING))
    return problems

