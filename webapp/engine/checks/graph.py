"""The flow graph of the diagrams, shared by the path check (structure.py) and the upstream check of
variables (variables.py).

A *scope* is a process or an embedded subprocess: its direct flow nodes and the sequence flows between
them. Event subprocesses are scopes of their own, not joined to their parent by any flow. Boundary
events hang on their host (the host leads to them); link events jump to the catching link of the same
name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .index import BPMN_NS, _Index, _local

SCOPES = ("process", "subProcess", "transaction", "adHocSubProcess")
ACTIVITIES = ("task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
              "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess")
GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")
EVENTS = ("startEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "endEvent")
FLOW_NODES = ACTIVITIES + GATEWAYS + EVENTS
# Where a case waits for a person, the clock, a message or another process: a loop through one of
# these stalls nobody's server, it only waits.
WAITS = ("task", "userTask", "manualTask", "receiveTask", "callActivity", "subProcess", "transaction",
         "adHocSubProcess", "intermediateCatchEvent", "eventBasedGateway", "boundaryEvent")


def is_event_subprocess(element) -> bool:
    return _local(element) in SCOPES and element.get("triggeredByEvent") == "true"


def interrupting(boundary) -> bool:
    return boundary.get("cancelActivity", "true") != "false"


@dataclass
class Scope:
    file: str
    element: object                                   # the process or subprocess element
    nodes: dict[str, object] = field(default_factory=dict)  # id -> flow node (event subprocesses excluded)
    flows: list = field(default_factory=list)
    succ: dict[str, set[str]] = field(default_factory=dict)
    pred: dict[str, set[str]] = field(default_factory=dict)
    outgoing: dict[str, list] = field(default_factory=dict)  # id -> its sequence flows (not boundary edges)

    def starts(self) -> list[str]:
        found = [i for i, n in self.nodes.items() if _local(n) == "startEvent"]
        if found:
            return found
        # Without a start event BPMN starts every node that has no incoming flow.
        return [i for i, n in self.nodes.items() if not self.pred.get(i) and _local(n) != "boundaryEvent"]


def _link_name(event) -> str | None:
    definition = event.find(f"{{{BPMN_NS}}}linkEventDefinition")
    return definition.get("name") if definition is not None else None


def scopes(index: _Index) -> Iterable[Scope]:
    for name, root in index.bpmn().items():
        for element in root.iter():
            if _local(element) in SCOPES:
                yield _scope(name, element)


def _scope(name: str, element) -> Scope:
    scope = Scope(name, element)
    for child in element:
        local = _local(child)
        if local in FLOW_NODES and child.get("id") and not is_event_subprocess(child):
            scope.nodes[child.get("id")] = child
        elif local == "sequenceFlow":
            scope.flows.append(child)

    def edge(a: str, b: str) -> None:
        scope.succ.setdefault(a, set()).add(b)
        scope.pred.setdefault(b, set()).add(a)

    for flow in scope.flows:
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in scope.nodes and target in scope.nodes:
            edge(source, target)
            scope.outgoing.setdefault(source, []).append(flow)
    catches = {}
    for node_id, node in scope.nodes.items():
        if _local(node) == "intermediateCatchEvent" and _link_name(node):
            catches[_link_name(node)] = node_id
    for node_id, node in scope.nodes.items():
        if _local(node) == "boundaryEvent" and node.get("attachedToRef") in scope.nodes:
            edge(node.get("attachedToRef"), node_id)
        elif _local(node) == "intermediateThrowEvent" and _link_name(node) in catches:
            edge(node_id, catches[_link_name(node)])
    return scope


def reach(starts: Iterable[str], step: dict[str, set[str]]) -> set[str]:
    seen, todo = set(starts), list(starts)
    while todo:
        for nxt in step.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# ------------------------------------------------------------------ the whole bundle, for data flow

_DONE = "#done"  # a subprocess or call activity has finished: what ran inside it is behind us


def data_graph(index: _Index) -> dict[str, set[str]]:
    """Predecessors over the whole bundle, for "what can have run before this element".

    Deliberately generous (an unknown is a predecessor): what runs inside a subprocess or a called process
    precedes the subprocess's exit and its boundary events; an event subprocess may start after anything
    in its parent; a called process starts after what precedes its call activity."""
    pred: dict[str, set[str]] = {}

    def edge(a: str, b: str) -> None:
        pred.setdefault(b, set()).add(a)

    processes: dict[str, Scope] = {}
    every = list(scopes(index))
    for scope in every:
        if _local(scope.element) == "process":
            processes[scope.element.get("id")] = scope
    for scope in every:
        for a, targets in scope.succ.items():
            source = a + _DONE if _local(scope.nodes[a]) in ("subProcess", "transaction", "adHocSubProcess",
                                                              "callActivity") else a
            for b in targets:
                edge(source, b)
        owner = scope.element.get("id")
        inner_starts = scope.starts()
        if _local(scope.element) != "process":
            for start in inner_starts:
                edge(owner, start)
            for node_id in scope.nodes:
                edge(node_id, owner + _DONE)
        for child in scope.element:
            if is_event_subprocess(child):
                for start in (c.get("id") for c in child if _local(c) == "startEvent"):
                    edge(owner, start)
                    for node_id in scope.nodes:
                        edge(node_id, start)
        for node_id, node in scope.nodes.items():
            local = _local(node)
            if local in ("subProcess", "transaction", "adHocSubProcess", "callActivity"):
                edge(node_id, node_id + _DONE)
            if local == "callActivity" and node.get("calledElement") in processes:
                called = processes[node.get("calledElement")]
                for start in called.starts():
                    edge(node_id, start)
                for inner in called.nodes:
                    edge(inner, node_id + _DONE)
    return pred
