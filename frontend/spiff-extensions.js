// Reading and writing SpiffWorkflow's extension elements (frontend/spiffworkflow.json) on a diagram
// element. Every change goes through the command stack, so undo/redo and the saved XML see it.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const MULTI = "properties-panel.multi-command-executor";

function update(element, moddleElement, properties) {
  return { cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } };
}

function run(s, commands) {
  if (commands.length) s.commandStack.execute(MULTI, commands);
}

function values(bo) {
  return (bo.extensionElements && bo.extensionElements.get("values")) || [];
}

function extension(element, type) {
  return values(getBusinessObject(element)).find((v) => is(v, type));
}

// Commands that give the element an extension element of `type` (if it has none), and that element.
function ensure(s, element, type, attrs) {
  const bo = getBusinessObject(element);
  const commands = [];
  let container = bo.extensionElements;
  if (!container) {
    container = s.bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    container.$parent = bo;
    commands.push(update(element, bo, { extensionElements: container }));
  }
  let found = container.get("values").find((v) => is(v, type));
  if (!found) {
    found = s.bpmnFactory.create(type, attrs || {});
    found.$parent = container;
    commands.push(update(element, container, { values: container.get("values").concat(found) }));
  }
  return [commands, found];
}

function removeExtension(element, found) {
  const container = getBusinessObject(element).extensionElements;
  return update(element, container, { values: container.get("values").filter((v) => v !== found) });
}

// spiffworkflow:properties — name/value pairs.
function propertyList(element) {
  const props = extension(element, "spiffworkflow:Properties");
  return props ? props.get("property") : [];
}

export function propertyNames(element) {
  return propertyList(element).map((p) => p.name);
}

export function getProperty(element, name) {
  const found = propertyList(element).find((p) => p.name === name);
  return found ? found.value : undefined;
}

// An empty value removes the property: the application treats a missing one as "not set".
export function setProperty(s, element, name, value) {
  const found = propertyList(element).find((p) => p.name === name);
  if (found) {
    const props = found.$parent;
    run(s, [value ? update(element, found, { value })
                  : update(element, props, { property: props.get("property").filter((p) => p !== found) })]);
    return;
  }
  if (!value) return;
  const [commands, props] = ensure(s, element, "spiffworkflow:Properties", { property: [] });
  const created = s.bpmnFactory.create("spiffworkflow:Property", { name, value });
  created.$parent = props;
  commands.push(update(element, props, { property: props.get("property").concat(created) }));
  run(s, commands);
}

export function renameProperty(s, element, from, to) {
  const found = propertyList(element).find((p) => p.name === from);
  if (found && !propertyList(element).some((p) => p.name === to)) run(s, [update(element, found, { name: to })]);
}

export function freshName(existing, base) {
  let n = 1;
  while (existing.includes(`${base}_${n}`)) n += 1;
  return `${base}_${n}`;
}

export function parseField(text) {
  const [type = "text", label = "", choices = ""] = String(text || "").split("|");
  return { type, label, choices };
}

export function formatField({ type, label, choices }) {
  return type === "choice" ? `${type}|${label}|${choices}` : `${type}|${label}`;
}

// Body-text extension elements: calledDecisionId, preScript, postScript.
export function bodyOf(element, type) {
  const found = extension(element, type);
  return (found && found.value) || "";
}

export function setBody(s, element, type, value) {
  const found = extension(element, type);
  if (!value) {
    if (found) run(s, [removeExtension(element, found)]);
    return;
  }
  if (found) {
    run(s, [update(element, found, { value })]);
    return;
  }
  const [commands] = ensure(s, element, type, { value });
  run(s, commands);
}

// spiffworkflow:serviceTaskOperator with its parameters.
function operator(element) {
  return extension(element, "spiffworkflow:ServiceTaskOperator");
}

function parameters(element) {
  const op = operator(element);
  return (op && op.parameters && op.parameters.get("parameter")) || [];
}

export function operatorName(element) {
  const op = operator(element);
  return (op && op.id) || "";
}

export function parameterNames(element) {
  return parameters(element).map((p) => p.id);
}

export function parameterValue(element, name) {
  const found = parameters(element).find((p) => p.id === name);
  return (found && found.value) || "";
}

export function setOperator(s, element, name) {
  const [commands, op] = ensure(s, element, "spiffworkflow:ServiceTaskOperator", {});
  commands.push(update(element, op, { id: name || undefined }));
  run(s, commands);
}

export function setParameter(s, element, name, value) {
  const found = parameters(element).find((p) => p.id === name);
  if (found) {
    const list = found.$parent;
    run(s, [value ? update(element, found, { value })
                  : update(element, list, { parameter: list.get("parameter").filter((p) => p !== found) })]);
    return;
  }
  if (!value) return;
  const [commands, op] = ensure(s, element, "spiffworkflow:ServiceTaskOperator", {});
  let list = op.parameters;
  if (!list) {
    list = s.bpmnFactory.create("spiffworkflow:Parameters", { parameter: [] });
    list.$parent = op;
    commands.push(update(element, op, { parameters: list }));
  }
  const created = s.bpmnFactory.create("spiffworkflow:Parameter", { id: name, type: "any", value });
  created.$parent = list;
  commands.push(update(element, list, { parameter: list.get("parameter").concat(created) }));
  run(s, commands);
}

// A script task's own script.
export function setScript(s, element, value) {
  run(s, [update(element, getBusinessObject(element), { script: value || undefined })]);
}

// A sequence flow's condition (a Python expression for SpiffWorkflow).
export function conditionOf(element) {
  const expression = getBusinessObject(element).conditionExpression;
  return (expression && expression.body) || "";
}

export function setCondition(s, element, value) {
  const expression = value ? s.bpmnFactory.create("bpmn:FormalExpression", { body: value }) : undefined;
  run(s, [update(element, getBusinessObject(element), { conditionExpression: expression })]);
}

// A timer event's definition: one of timeDuration, timeDate, timeCycle.
export function timerDefinition(element) {
  const definitions = getBusinessObject(element).eventDefinitions || [];
  return definitions.find((d) => is(d, "bpmn:TimerEventDefinition"));
}

const TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];

export function timerOf(element) {
  const definition = timerDefinition(element);
  const kind = TIMER_KINDS.find((k) => definition && definition[k]) || "timeDuration";
  return { kind, value: (definition && definition[kind] && definition[kind].body) || "" };
}

export function setTimer(s, element, kind, value) {
  const definition = timerDefinition(element);
  const properties = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
  properties[kind] = s.bpmnFactory.create("bpmn:FormalExpression", { body: value || "" });
  run(s, [update(element, definition, properties)]);
}
