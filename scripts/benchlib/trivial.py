"""The trivial diagram the engine figures are compared on: four user tasks in a row in one lane
(火炬中心, a group role), no scripts, no forms of their own (the generic comment form), no timers.

Deployed by the benchmark only, beside bpmn/ in the bundle of its throwaway database."""

from __future__ import annotations

PROCESS_ID = "bench_trivial"
FILE_NAME = "bench_trivial.bpmn"
STEPS = [f"step_{n}" for n in range(1, 5)]
_NAMES = ["第一步", "第二步", "第三步", "第四步"]
_NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
       'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
       'xmlns:di="http://www.omg.org/spec/DD/20100524/DI"')


def _nodes() -> list[tuple[str, str, str]]:
    """(kind, id, name) in order along the one path."""
    tasks = [("userTask", step, name) for step, name in zip(STEPS, _NAMES, strict=True)]
    return [("startEvent", "bench_start", "开始"), *tasks, ("endEvent", "bench_end", "结束")]


def bpmn_xml() -> str:
    nodes = _nodes()
    flows = [(f"flow_{i}", a[1], b[1]) for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False))]
    incoming = {target: fid for fid, _, target in flows}
    outgoing = {source: fid for fid, source, _ in flows}
    elements, shapes, edges = [], [], []
    for n, (kind, node_id, name) in enumerate(nodes):
        links = "".join(f"<bpmn:{tag}>{ref}</bpmn:{tag}>" for tag, ref in
                        (("incoming", incoming.get(node_id)), ("outgoing", outgoing.get(node_id))) if ref)
        elements.append(f'<bpmn:{kind} id="{node_id}" name="{name}">{links}</bpmn:{kind}>')
        width, height = (100, 80) if kind == "userTask" else (36, 36)
        x, y = 80 + n * 150, 140 - height // 2
        shapes.append(f'<bpmndi:BPMNShape id="{node_id}_di" bpmnElement="{node_id}">'
                      f'<dc:Bounds x="{x}" y="{y}" width="{width}" height="{height}" /></bpmndi:BPMNShape>')
    for n, (fid, source, target) in enumerate(flows):
        elements.append(f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}" />')
        edges.append(f'<bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}"><di:waypoint x="{130 + n * 150}" y="140" />'
                     f'<di:waypoint x="{230 + n * 150}" y="140" /></bpmndi:BPMNEdge>')
    refs = "".join(f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for _, node_id, _ in nodes)
    lane_width = 150 * len(nodes) + 60
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {_NS} id="definitions_{PROCESS_ID}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="collaboration_{PROCESS_ID}">
    <bpmn:participant id="participant_{PROCESS_ID}" name="基准测试：四步流程" processRef="{PROCESS_ID}" />
  </bpmn:collaboration>
  <bpmn:process id="{PROCESS_ID}" name="基准测试：四步流程" isExecutable="true">
    <bpmn:laneSet id="{PROCESS_ID}_lanes">
      <bpmn:lane id="lane_{PROCESS_ID}" name="火炬中心 (torch_center)">{refs}</bpmn:lane>
    </bpmn:laneSet>
    {"".join(elements)}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{PROCESS_ID}">
    <bpmndi:BPMNPlane id="plane_{PROCESS_ID}" bpmnElement="collaboration_{PROCESS_ID}">
      <bpmndi:BPMNShape id="participant_{PROCESS_ID}_di" bpmnElement="participant_{PROCESS_ID}" isHorizontal="true">
        <dc:Bounds x="0" y="60" width="{lane_width + 30}" height="160" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_{PROCESS_ID}_di" bpmnElement="lane_{PROCESS_ID}" isHorizontal="true">
        <dc:Bounds x="30" y="60" width="{lane_width}" height="160" /></bpmndi:BPMNShape>
      {"".join(shapes)}{"".join(edges)}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
