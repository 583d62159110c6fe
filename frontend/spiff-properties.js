// The properties panel's groups for what this application reads from a diagram (docs/diagram-conventions.md):
// a lane's role, a user task's form, declared fields, due date, assignee and shown variables, a service
// task's operator and parameters, a business rule task's decision, a flow's condition, a timer, a script.
// bpmn-js-properties-panel supplies the general group (id, name, documentation); Camunda's providers
// describe another engine, so this one speaks SpiffWorkflow's extension elements instead.
//
// What the server knows (roles, registered forms, service functions with their parameters, decision ids)
// arrives as `catalog`, rendered into the page by the edit template.
import { h } from "@bpmn-io/properties-panel/preact";
import {
  ListGroup, SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

import * as ext from "./spiff-extensions.js";

const MANUAL = ["bpmn:UserTask", "bpmn:ManualTask"];
const FIELD_TYPES = ["yesno", "choice", "integer", "number", "text", "textarea", "textarea_required"];
const LANE_ROLE = /\(([a-z_]+)\)\s*$/;

function services() {
  return {
    bpmnFactory: useService("bpmnFactory"), commandStack: useService("commandStack"),
    translate: useService("translate"), debounce: useService("debounceInput"),
  };
}

// One text entry bound to a `spiffworkflow:property` of the element.
function PropertyText(props) {
  const { element, id, property, label, description, area } = props;
  const s = services();
  return h(area ? TextAreaEntry : TextFieldEntry, {
    element, id, label: s.translate(label), description: description && s.translate(description),
    debounce: s.debounce, rows: 3,
    getValue: () => ext.getProperty(element, property) || "",
    setValue: (value) => ext.setProperty(s, element, property, value),
  });
}

function entry(element, property, label, description, area) {
  return {
    id: "spiff-" + property, element, property, label, description, area,
    component: PropertyText, isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited,
  };
}

function FormKey(props) {
  const { element, id, catalog } = props;
  const s = services();
  return h(SelectEntry, {
    element, id, label: s.translate("Form"),
    description: s.translate("A registered form, or none: a form is then generated from the declared fields"),
    getValue: () => ext.getProperty(element, "formKey") || "",
    setValue: (value) => ext.setProperty(s, element, "formKey", value),
    getOptions: () => {
      const current = ext.getProperty(element, "formKey");
      const keys = catalog.formKeys.slice();
      if (current && !keys.includes(current)) keys.push(current);
      return [{ value: "", label: s.translate("(generated from declared fields)") }]
        .concat(keys.map((key) => ({ value: key, label: key })));
    },
  });
}

function LaneRole(props) {
  const { element, id, catalog } = props;
  const s = services();
  const modeling = useService("modeling");
  return h(SelectEntry, {
    element, id, label: s.translate("Role of this lane"),
    description: s.translate("Who works on the tasks in this lane"),
    getValue: () => ((getBusinessObject(element).name || "").match(LANE_ROLE) || [])[1] || "",
    setValue: (role) => {
      const label = (getBusinessObject(element).name || "").replace(LANE_ROLE, "").trim();
      modeling.updateLabel(element, role ? `${label || catalog.roles[role]} (${role})` : label);
    },
    getOptions: () => [{ value: "", label: s.translate("(none)") }].concat(
      Object.entries(catalog.roles).map(([value, label]) => ({ value, label: `${label} (${value})` }))),
  });
}

// Declared fields: `field.<name>` = `<type>|<label>[|<choices>]`, one list item per field.
function FieldPart(props) {
  const { element, id, name, part } = props;
  const s = services();
  const read = () => ext.parseField(ext.getProperty(element, "field." + name));
  const write = (value) => {
    const field = read();
    if (part === "name") {
      const renamed = String(value || "").trim();
      if (renamed && renamed !== name) ext.renameProperty(s, element, "field." + name, "field." + renamed);
      return;
    }
    field[part] = value || "";
    ext.setProperty(s, element, "field." + name, ext.formatField(field));
  };
  if (part === "type") {
    return h(SelectEntry, {
      element, id, label: s.translate("Type"), getValue: () => read().type, setValue: write,
      getOptions: () => FIELD_TYPES.map((t) => ({ value: t, label: s.translate("field type " + t) })),
    });
  }
  const labels = { name: "Field name", label: "Label", choices: "Choices" };
  const hints = {
    name: "Lower-case letters, digits and underscores; the value is stored in the case under this name",
    choices: "Only for a choice field: code=label;code=label",
  };
  return h(TextFieldEntry, {
    element, id, label: s.translate(labels[part]), description: hints[part] && s.translate(hints[part]),
    debounce: s.debounce,
    getValue: () => (part === "name" ? name : read()[part]), setValue: write,
  });
}

function prefixedList(element, prefix, idBase, translate, s, itemEntries, newItem) {
  const names = ext.propertyNames(element).filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  return {
    items: names.map((name) => ({
      id: `${idBase}-${name}`, label: name, entries: itemEntries(name),
      remove: () => ext.setProperty(s, element, prefix + name, ""),
    })),
    add: (event) => {
      event.stopPropagation();
      ext.setProperty(s, element, prefix + ext.freshName(names, newItem.base), newItem.value);
    },
  };
}

function DeclaredFields({ element, id }) {
  const s = services();
  const list = prefixedList(element, "field.", id, s.translate, s, (name) => ["name", "type", "label", "choices"].map(
    (part) => ({ id: `${id}-${name}-${part}`, component: FieldPart, element, name, part,
                 isEdited: part === "type" ? isSelectEntryEdited : isTextFieldEntryEdited })),
  { base: "new_field", value: "text|" + s.translate("New field") });
  return h(ListGroup, { element, id, label: s.translate("Declared fields"), items: list.items, add: list.add,
                        shouldSort: false });
}

// Any other `spiffworkflow:property` (show.*, attachment.*, choices.*, warning, openedBecause, …) as name/value.
function OtherProperty({ element, id, name, part }) {
  const s = services();
  if (part === "name") {
    return h(TextFieldEntry, {
      element, id, label: s.translate("Name"), debounce: s.debounce, getValue: () => name,
      setValue: (value) => value && value !== name && ext.renameProperty(s, element, name, value),
    });
  }
  return h(TextAreaEntry, {
    element, id, label: s.translate("Value"), debounce: s.debounce, rows: 2,
    getValue: () => ext.getProperty(element, name) || "",
    setValue: (value) => ext.setProperty(s, element, name, value),
  });
}

const OWN = ["formKey", "assignee", "dueDate", "remindBefore"];

function OtherProperties({ element, id }) {
  const s = services();
  const names = ext.propertyNames(element).filter((n) => !OWN.includes(n) && !n.startsWith("field."));
  const items = names.map((name) => ({
    id: `${id}-${name}`, label: name,
    entries: ["name", "value"].map((part) => ({ id: `${id}-${name}-${part}`, component: OtherProperty, element,
                                                name, part, isEdited: isTextFieldEntryEdited })),
    remove: () => ext.setProperty(s, element, name, ""),
  }));
  const add = (event) => {
    event.stopPropagation();
    ext.setProperty(s, element, ext.freshName(names, "show.variable"), s.translate("Label"));
  };
  return h(ListGroup, { element, id, label: s.translate("Other properties (show.*, attachment.*, choices.*, …)"),
                        items, add, shouldSort: false });
}

function Operator({ element, id, catalog }) {
  const s = services();
  return h(SelectEntry, {
    element, id, label: s.translate("Function"),
    description: s.translate("A function registered by the application; its parameters are listed below"),
    getValue: () => ext.operatorName(element),
    setValue: (value) => ext.setOperator(s, element, value),
    getOptions: () => [{ value: "", label: s.translate("(none)") }].concat(
      Object.keys(catalog.operators).map((name) => ({ value: name, label: name }))),
  });
}

function Parameter({ element, id, name }) {
  const s = services();
  return h(TextFieldEntry, {
    element, id, label: name, debounce: s.debounce,
    description: s.translate("An expression over the case data, e.g. \"declined\" or recommender_comments"),
    getValue: () => ext.parameterValue(element, name),
    setValue: (value) => ext.setParameter(s, element, name, value),
  });
}

function Decision({ element, id, catalog }) {
  const s = services();
  return h(SelectEntry, {
    element, id, label: s.translate("Decision table"),
    getValue: () => ext.bodyOf(element, "spiffworkflow:CalledDecisionId"),
    setValue: (value) => ext.setBody(s, element, "spiffworkflow:CalledDecisionId", value),
    getOptions: () => {
      const ids = catalog.decisions.slice();
      const current = ext.bodyOf(element, "spiffworkflow:CalledDecisionId");
      if (current && !ids.includes(current)) ids.push(current);
      return [{ value: "", label: s.translate("(none)") }].concat(ids.map((d) => ({ value: d, label: d })));
    },
  });
}

function Script({ element, id, type, label }) {
  const s = services();
  return h(TextAreaEntry, {
    element, id, label: s.translate(label), debounce: s.debounce, rows: 4, monospace: true,
    getValue: () => (type ? ext.bodyOf(element, type) : getBusinessObject(element).script || ""),
    setValue: (value) => (type ? ext.setBody(s, element, type, value) : ext.setScript(s, element, value)),
  });
}

function Condition({ element, id }) {
  const s = services();
  return h(TextAreaEntry, {
    element, id, label: s.translate("Condition"), debounce: s.debounce, rows: 2, monospace: true,
    description: s.translate("A Python expression over the case data, e.g. grade == \"合格\""),
    getValue: () => ext.conditionOf(element), setValue: (value) => ext.setCondition(s, element, value),
  });
}

function Timer({ element, id, part }) {
  const s = services();
  if (part === "kind") {
    return h(SelectEntry, {
      element, id, label: s.translate("Timer kind"),
      getValue: () => ext.timerOf(element).kind, setValue: (kind) => ext.setTimer(s, element, kind, ext.timerOf(element).value),
      getOptions: () => [["timeDuration", "Duration"], ["timeDate", "Date"], ["timeCycle", "Cycle"]]
        .map(([value, label]) => ({ value, label: s.translate(label) })),
    });
  }
  return h(TextFieldEntry, {
    element, id, label: s.translate("Timer expression"), debounce: s.debounce,
    description: s.translate("A Python expression: a quoted ISO duration such as \"P30D\", or a variable holding a date"),
    getValue: () => ext.timerOf(element).value, setValue: (value) => ext.setTimer(s, element, ext.timerOf(element).kind, value),
  });
}

function group(id, label, entries) {
  return { id, label, entries };
}

export default function SpiffPropertiesProvider(propertiesPanel, translate, catalog) {
  this.getGroups = (element) => (groups) => {
    const bo = getBusinessObject(element);
    const own = [];
    if (is(element, "bpmn:Lane")) {
      own.push(group("spiff-lane", translate("Role"), [{ id: "spiff-lane-role", component: LaneRole, element, catalog,
                                                          isEdited: isSelectEntryEdited }]));
    }
    if (MANUAL.some((t) => is(element, t))) {
      own.push(group("spiff-task", translate("Form and deadline"), [
        { id: "spiff-formKey", component: FormKey, element, catalog, isEdited: isSelectEntryEdited },
        entry(element, "assignee", "Assignee", "Optional: an expression giving the user id, e.g. expert_id"),
        entry(element, "dueDate", "Due date", "An expression giving the deadline, e.g. add_duration(now_iso(), \"P15D\")"),
        entry(element, "remindBefore", "Remind before", "An ISO duration such as P3D"),
      ]));
      own.push({ id: "spiff-fields", component: DeclaredFields, element });
    }
    if (is(element, "bpmn:ServiceTask")) {
      const operator = ext.operatorName(element);
      const names = Array.from(new Set((catalog.operators[operator] || []).concat(ext.parameterNames(element))));
      own.push(group("spiff-service", translate("Service function"), [
        { id: "spiff-operator", component: Operator, element, catalog, isEdited: isSelectEntryEdited },
      ].concat(names.map((name) => ({ id: "spiff-param-" + name, component: Parameter, element, name,
                                       isEdited: isTextFieldEntryEdited })))));
    }
    if (is(element, "bpmn:BusinessRuleTask")) {
      own.push(group("spiff-decision", translate("Called decision"), [
        { id: "spiff-decision-id", component: Decision, element, catalog, isEdited: isSelectEntryEdited }]));
    }
    if (is(element, "bpmn:SequenceFlow") && bo.sourceRef &&
        ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"].some((t) => is(bo.sourceRef, t))) {
      own.push(group("spiff-condition", translate("Condition"), [
        { id: "spiff-condition-expr", component: Condition, element, isEdited: isTextAreaEntryEdited }]));
    }
    if (ext.timerDefinition(element)) {
      own.push(group("spiff-timer", translate("Timer"), ["kind", "value"].map((part) => (
        { id: "spiff-timer-" + part, component: Timer, element, part, isEdited: isTextFieldEntryEdited }))));
    }
    if (is(element, "bpmn:Activity")) {
      const scripts = [];
      if (is(element, "bpmn:ScriptTask")) scripts.push({ id: "spiff-script", component: Script, element, label: "Script" });
      scripts.push({ id: "spiff-prescript", component: Script, element, type: "spiffworkflow:PreScript", label: "Before the step (script)" });
      scripts.push({ id: "spiff-postscript", component: Script, element, type: "spiffworkflow:PostScript", label: "After the step (script)" });
      own.push(group("spiff-scripts", translate("Scripts"), scripts.map((e) => ({ ...e, isEdited: isTextAreaEntryEdited }))));
    }
    if (is(element, "bpmn:FlowNode")) {
      own.push({ id: "spiff-other", component: OtherProperties, element });
    }
    // After the general group (id, name), before documentation and the rest.
    groups.splice(1, 0, ...own);
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}

SpiffPropertiesProvider.$inject = ["propertiesPanel", "translate", "config.spiffCatalog"];
