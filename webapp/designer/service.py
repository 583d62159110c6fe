"""The designer area: what is deployed, deploying uploads, rolling back, and comparing versions.

Bundles are immutable (webapp/engine/definitions.py), so everything read from a file's content is cached by
the content's hash. XML is parsed with the same safe parser as a deploy (no DTD, no entities, no network).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from lxml import etree
from sqlalchemy import select

from webapp.engine.definitions import MAX_FILE_BYTES, DefinitionError, deploy, latest_bundle
from webapp.engine.safe_xml import SAFE_XML as _SAFE_XML
from webapp.extensions import db
from webapp.models import AuditEvent, DefinitionBundle, User

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
EXTENSIONS = (".bpmn", ".dmn")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}\.(bpmn|dmn)$")


# --- reading files ------------------------------------------------------------------------------------------

def bundles() -> list[DefinitionBundle]:
    return list(db.session.scalars(select(DefinitionBundle).order_by(DefinitionBundle.version.desc())))


def bundle_by_version(version: int) -> DefinitionBundle | None:
    return db.session.scalar(select(DefinitionBundle).where(DefinitionBundle.version == version))


def previous_bundle(bundle: DefinitionBundle) -> DefinitionBundle | None:
    return db.session.scalar(select(DefinitionBundle).where(DefinitionBundle.version < bundle.version)
                             .order_by(DefinitionBundle.version.desc()).limit(1))


def changed_files(bundle: DefinitionBundle) -> list[str]:
    """The files of `bundle` whose content differs from the version before it (all of them for the first)."""
    before = previous_bundle(bundle)
    old = before.files if before is not None else {}
    return sorted(n for n, text in bundle.files.items() if old.get(n) != text)


def kind_of(name: str) -> str:
    return "dmn" if name.endswith(".dmn") else "bpmn"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_texts: dict[str, str] = {}  # digest -> text, for the cached parsers below (bounded by the caches' use)


def _root(text: str):
    try:
        return etree.fromstring(text.encode("utf-8"), parser=_SAFE_XML)
    except etree.XMLSyntaxError:
        return None


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _text(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def _children(el, name: str):
    return [c for c in el if _local(c) == name]


def _child(el, name: str):
    found = _children(el, name)
    return found[0] if found else None


@lru_cache(maxsize=256)
def _contents(digest: str) -> tuple[tuple[str, str, str], ...]:
    """(kind, id, name) of the processes and decision tables a file defines."""
    root = _root(_texts[digest])
    if root is None:
        return ()
    found = []
    for el in root.iter():
        local = _local(el)
        if local == "process" and el.get("id"):
            found.append(("process", el.get("id"), el.get("name") or ""))
        elif local == "decision" and el.get("id"):
            found.append(("decision", el.get("id"), el.get("name") or ""))
    return tuple(found)


def file_contents(text: str) -> tuple[tuple[str, str, str], ...]:
    digest = _digest(text)
    _texts.setdefault(digest, text)
    return _contents(digest)


# --- overview -----------------------------------------------------------------------------------------------

@dataclass
class Change:
    """A version in which a file's content changed (or the file appeared, or went)."""

    bundle: DefinitionBundle
    how: str  # added | changed | removed


@dataclass
class Entry:
    """A process or decision table, with the versions in which the file that holds it changed."""

    kind: str  # process | decision
    id: str
    name: str
    file: str
    changes: list[Change] = field(default_factory=list)
    current: bool = True  # in the newest version


def overview() -> list[Entry]:
    """Every process and decision table ever deployed: processes first, then tables; the newest names."""
    history = list(reversed(bundles()))
    file_changes: dict[str, list[Change]] = {}
    previous: dict[str, str] = {}
    for bundle in history:
        files = bundle.files
        for name, text in files.items():
            if name not in previous:
                file_changes.setdefault(name, []).append(Change(bundle, "added"))
            elif previous[name] != text:
                file_changes[name].append(Change(bundle, "changed"))
        for name in previous.keys() - files.keys():
            file_changes[name].append(Change(bundle, "removed"))
        previous = files
    entries: dict[tuple[str, str], Entry] = {}
    for bundle in history:  # oldest first: later versions overwrite names and files
        for name, text in bundle.files.items():
            for kind, ident, title in file_contents(text):
                entries[(kind, ident)] = Entry(kind, ident, title or ident, name,
                                              list(reversed(file_changes.get(name, []))),
                                              current=bool(history) and bundle is history[-1])
    order = {"process": 0, "decision": 1}
    return sorted(entries.values(), key=lambda e: (order[e.kind], not e.current, e.file, e.id))


def user_names(user_ids) -> dict[int, str]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def deploy_events(version: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.instance_id.is_(None), AuditEvent.action == "deployed")
    events = db.session.scalars(query.order_by(AuditEvent.id)).all()
    return [e for e in events if version is None or (e.detail or {}).get("version") == version]


# --- deploying ----------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    bundle: DefinitionBundle | None = None  # the new version; None when refused or when nothing changed
    changed: list[str] = field(default_factory=list)
    problems: list[Shown] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.bundle is None and not self.problems


def read_upload(filename: str, raw: bytes) -> tuple[str | None, str]:
    """(text, "") for a file a designer may deploy, or (None, reason in the user's language).

    Safe XML before anything else: no DOCTYPE (so no entities), well-formed, a BPMN or DMN root."""
    if not FILE_NAME.match(filename or ""):
        return None, _("“%(name)s”: the file name must end in .bpmn or .dmn and use only letters, digits, "
                       "“_”, “-” and “.”.", name=filename)
    if not raw.strip():
        return None, _("“%(name)s”: the file is empty.", name=filename)
    if len(raw) > MAX_FILE_BYTES:
        return None, _("“%(name)s”: the file is larger than %(mb)s MB.", name=filename, mb=MAX_FILE_BYTES // (1024 * 1024))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, _("“%(name)s”: the file is not UTF-8 text. Save it as UTF-8 and upload it again.", name=filename)
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw, re.IGNORECASE):
        return None, _("“%(name)s”: DOCTYPE and entity declarations are not allowed in a diagram or decision table.",
                       name=filename)
    try:
        root = etree.fromstring(raw, parser=_SAFE_XML)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else exc.lineno
        return None, _("“%(name)s”: not well-formed XML (line %(line)s). Open it in the modeler and save it again.",
                       name=filename, line=line)
    expected = "BPMN" if filename.endswith(".bpmn") else "DMN"
    namespace = etree.QName(root).namespace or ""
    if _local(root) != "definitions" or expected not in namespace.upper():
        return None, _("“%(name)s”: this is not a %(kind)s file (its root element is not %(kind)s definitions).",
                       name=filename, kind=expected)
    return text, ""


@dataclass(frozen=True)
class Shown:
    """One finding of the deploy checks as the page lists it, with where it is (for marking on the diagram)."""

    text: str
    file: str = ""
    element_id: str = ""
    severity: str = "error"


def problems_of(exc: DefinitionError) -> list[Shown]:
    """A deploy check's findings: its `.problems` when it has them (errors first), else its message by line."""
    problems = getattr(exc, "problems", None)
    if problems:
        shown = [Shown(str(p), getattr(p, "file", "") or "", getattr(p, "element_id", "") or "",
                       getattr(p, "severity", "error") or "error") for p in problems]
        return sorted(shown, key=lambda p: p.severity != "error")
    lines = [line.strip() for line in re.split(r"\n|; ", str(exc)) if line.strip()]
    return [Shown(line) for line in lines] or [Shown(_("The definitions could not be deployed."))]


def _deploy(files: dict[str, str], changed: list[str], note: str, user, extra: dict | None = None) -> Outcome:
    try:
        with db.session.begin_nested():  # a refused deploy leaves nothing behind
            bundle = deploy(files, note=note, deployed_by_id=user.id)
    except DefinitionError as exc:
        return Outcome(changed=changed, problems=problems_of(exc))
    db.session.add(AuditEvent(instance_id=None, actor_id=user.id, action="deployed", title=f"v{bundle.version}",
                              detail={"version": bundle.version, "note": note, "files": changed, **(extra or {})}))
    db.session.flush()
    return Outcome(bundle=bundle, changed=changed)


def deploy_uploads(uploads: dict[str, str], note: str, user) -> Outcome:
    """Uploaded files replace the files of the same name in the newest version; the others are kept."""
    current = latest_bundle()
    base = dict(current.files) if current else {}
    changed = sorted(name for name, text in uploads.items() if base.get(name) != text)
    if not changed:
        return Outcome()
    return _deploy({**base, **uploads}, changed, note, user)


def rollback(target: DefinitionBundle, why: str, user) -> Outcome:
    """Deploy an earlier version's files again, as a new version."""
    current = latest_bundle()
    base = dict(current.files) if current else {}
    files = dict(target.files)
    changed = sorted(n for n in base.keys() | files.keys() if base.get(n) != files.get(n))
    if not changed:
        return Outcome()
    note = f"回滚到第 {target.version} 版：{why}"[:500]
    return _deploy(files, changed, note, user, {"rollback_to": target.version})


# --- comparing versions -------------------------------------------------------------------------------------

BPMN_KINDS = {
    "task": _l("Task"), "userTask": _l("User task"), "serviceTask": _l("Service task"), "scriptTask": _l("Script task"),
    "manualTask": _l("Manual task"), "businessRuleTask": _l("Business rule task"), "sendTask": _l("Send task"),
    "receiveTask": _l("Receive task"), "callActivity": _l("Call activity"), "subProcess": _l("Subprocess"),
    "startEvent": _l("Start event"), "endEvent": _l("End event"), "intermediateCatchEvent": _l("Intermediate event"),
    "intermediateThrowEvent": _l("Intermediate event"), "boundaryEvent": _l("Boundary event"),
    "exclusiveGateway": _l("Exclusive gateway"), "parallelGateway": _l("Parallel gateway"),
    "inclusiveGateway": _l("Inclusive gateway"), "eventBasedGateway": _l("Event-based gateway"),
    "complexGateway": _l("Complex gateway"), "sequenceFlow": _l("Sequence flow"), "messageFlow": _l("Message flow"),
    "lane": _l("Lane"), "process": _l("Process"), "participant": _l("Pool"), "message": _l("Message"),
}
# What is not compared on an element: its links to flows (the flows themselves are), and layout.
_SKIPPED_CHILDREN = {"incoming", "outgoing", "flowNodeRef", "childLaneSet", "laneSet", "textAnnotation", "association",
                     "group", "dataObject", "dataObjectReference", "dataStoreReference", "dataInputAssociation",
                     "dataOutputAssociation"}


# Attributes whose BPMN default a tool may write out or leave out (bpmn-js leaves them out): not a change.
_BPMN_DEFAULTS = {"cancelActivity": "true", "isInterrupting": "true", "isSequential": "false",
                  "isForCompensation": "false", "parallelMultiple": "false", "triggeredByEvent": "false",
                  "instantiate": "false", "isClosed": "false", "isMarkerVisible": "false"}


def _aspects_bpmn(el) -> dict[str, str]:
    """What a designer can change on an element, as aspect -> text; nested flow elements excluded."""
    aspects: dict[str, str] = {}
    for key, value in sorted(el.attrib.items()):
        local = etree.QName(key).localname
        if local != "id" and _BPMN_DEFAULTS.get(local) != value:
            aspects["name" if local == "name" else f"attr:{local}"] = value
    if _local(el) == "lane":
        aspects["members"] = ", ".join(sorted(_text(r) for r in el.iter(f"{{{BPMN_NS}}}flowNodeRef")))

    def walk(node, path: str):
        for child in node:
            local = _local(child)
            if not local or local in _SKIPPED_CHILDREN or (child.get("id") and local in BPMN_KINDS):
                continue  # comments; links; nested elements are compared on their own
            if local == "documentation":
                aspects["documentation"] = _text(child)
            elif local == "property" and etree.QName(child).namespace == SPIFF_NS:
                aspects[f"property:{child.get('name')}"] = child.get("value") or _text(child)
            elif local == "conditionExpression":
                aspects["condition"] = _text(child)
            elif local == "script":
                aspects["script"] = _text(child)
            elif local in ("preScript", "postScript"):
                aspects[local] = _text(child)
            elif local in ("timeDate", "timeDuration", "timeCycle"):
                aspects[f"timer:{local}"] = _text(child)
            elif local == "serviceTaskOperator":
                aspects["operator"] = child.get("id") or ""
                for parameter in child.iter(f"{{{SPIFF_NS}}}parameter"):
                    aspects[f"parameter:{parameter.get('id')}"] = parameter.get("value") or ""
            elif local == "calledDecisionId":
                aspects["decision"] = _text(child)
            else:
                sub = f"{path}{local}"
                for key, value in sorted(child.attrib.items()):
                    local_key = etree.QName(key).localname
                    if local_key != "id" and key != XSI_TYPE and _BPMN_DEFAULTS.get(local_key) != value:
                        aspects[f"attr:{sub}.{local_key}"] = value
                if len(child) == 0 and _text(child):
                    aspects[f"text:{sub}"] = _text(child)
                walk(child, f"{sub}.")

    walk(el, "")
    return aspects


@dataclass
class Element:
    id: str
    kind: str
    name: str
    aspects: dict[str, str]


@lru_cache(maxsize=128)
def _bpmn_elements(digest: str) -> dict[str, Element]:
    root = _root(_texts[digest])
    found: dict[str, Element] = {}
    if root is None:
        return found
    for el in root.iter(f"{{{BPMN_NS}}}*"):
        local = _local(el)
        if local in BPMN_KINDS and el.get("id"):
            found[el.get("id")] = Element(el.get("id"), local, el.get("name") or "", _aspects_bpmn(el))
    return found


@lru_cache(maxsize=128)
def _dmn_elements(digest: str) -> dict[str, Element]:
    """Decisions (name, hit policy, columns) and their rules (cells by column label), by id."""
    root = _root(_texts[digest])
    found: dict[str, Element] = {}
    if root is None:
        return found
    for decision in (el for el in root.iter() if _local(el) == "decision"):
        table = next((el for el in decision.iter() if _local(el) == "decisionTable"), None)
        aspects = {"name": decision.get("name") or ""}
        description = _child(decision, "description")
        if description is not None:
            aspects["documentation"] = _text(description)
        inputs, outputs = [], []
        if table is not None:
            aspects["attr:hitPolicy"] = table.get("hitPolicy") or "UNIQUE"
            for column in _children(table, "input"):
                expression = _child(column, "inputExpression")
                label = column.get("label") or _text(_child(expression, "text")) if expression is not None else column.get("label")
                label = label or column.get("id") or "?"
                label = f"{label} ({len(inputs) + 1})" if label in inputs else label
                inputs.append(label)
                aspects[f"input:{label}"] = _text(_child(expression, "text")) if expression is not None else ""
            for column in _children(table, "output"):
                label = column.get("label") or column.get("name") or column.get("id") or "?"
                label = f"{label} ({len(outputs) + 1})" if label in outputs else label
                outputs.append(label)
                aspects[f"output:{label}"] = column.get("name") or ""
        found[decision.get("id")] = Element(decision.get("id"), "decision", decision.get("name") or "", aspects)
        if table is None:
            continue
        for position, rule in enumerate(_children(table, "rule"), start=1):
            rule_aspects = {}
            for label, cell in zip(inputs, _children(rule, "inputEntry"), strict=False):
                rule_aspects[f"in:{label}"] = _text(_child(cell, "text"))
            for label, cell in zip(outputs, _children(rule, "outputEntry"), strict=False):
                rule_aspects[f"out:{label}"] = _text(_child(cell, "text"))
            description = _child(rule, "description")
            if description is not None:
                rule_aspects["documentation"] = _text(description)
            ident = rule.get("id") or f"{decision.get('id')}#{position}"
            found[ident] = Element(ident, "rule", f"{decision.get('name') or decision.get('id')} #{position}", rule_aspects)
    return found


def elements(name: str, text: str) -> dict[str, Element]:
    digest = _digest(text)
    _texts.setdefault(digest, text)
    return (_dmn_elements if name.endswith(".dmn") else _bpmn_elements)(digest)


def aspect_label(aspect: str) -> str:
    kind, _sep, rest = aspect.partition(":")
    labels = {
        "name": _("Name"), "documentation": _("Documentation"), "condition": _("Condition"), "script": _("Script"),
        "preScript": _("Script before the task"), "postScript": _("Script after the task"),
        "operator": _("Service function"), "decision": _("Decision table called"), "members": _("Elements in the lane"),
        "attr:sourceRef": _("Source element"), "attr:targetRef": _("Target element"), "attr:default": _("Default flow"),
        "attr:attachedToRef": _("Attached to"), "attr:cancelActivity": _("Interrupting"),
        "attr:hitPolicy": _("Hit policy"),
    }
    if aspect in labels:
        return labels[aspect]
    prefixed = {
        "property": _("Property %(name)s"), "parameter": _("Parameter %(name)s"), "timer": _("Timer (%(name)s)"),
        "attr": _("Attribute %(name)s"), "text": _("Setting %(name)s"), "input": _("Input column “%(name)s”"),
        "output": _("Output column “%(name)s”"), "in": _("Input “%(name)s”"), "out": _("Output “%(name)s”"),
    }
    return prefixed[kind] % {"name": rest} if kind in prefixed else aspect


def kind_label(kind: str) -> str:
    if kind == "rule":
        return _("Decision rule")
    if kind == "decision":
        return _("Decision table")
    return str(BPMN_KINDS.get(kind, kind))


@dataclass
class ElementChange:
    id: str
    kind: str
    name: str
    how: str  # added | removed | changed
    details: list[tuple[str, str, str]] = field(default_factory=list)  # (aspect label, before, after)


@dataclass
class FileDiff:
    name: str
    how: str  # added | removed | changed | same
    changes: list[ElementChange] = field(default_factory=list)

    def ids(self, how: str) -> str:
        return " ".join(c.id for c in self.changes if c.how == how)


def _before_after(aspect: str, before: str, after: str) -> tuple[str, str]:
    """A lane's members as those that left and those that joined; anything else as it was and is."""
    if aspect == "members":
        old, new = set(filter(None, before.split(", "))), set(filter(None, after.split(", ")))
        return ", ".join(sorted(old - new)), ", ".join(sorted(new - old))
    return before, after


def diff_file(name: str, old: str | None, new: str | None) -> FileDiff:
    if old == new:
        return FileDiff(name, "same")
    before = elements(name, old) if old is not None else {}
    after = elements(name, new) if new is not None else {}
    how = "added" if old is None else "removed" if new is None else "changed"
    changes = []
    for ident in sorted(after.keys() - before.keys(), key=list(after).index):
        el = after[ident]
        changes.append(ElementChange(ident, el.kind, el.name, "added"))
    for ident in sorted(before.keys() - after.keys(), key=list(before).index):
        el = before[ident]
        changes.append(ElementChange(ident, el.kind, el.name, "removed"))
    for ident in after.keys() & before.keys():
        a, b = before[ident], after[ident]
        if a.aspects == b.aspects and a.kind == b.kind:
            continue
        details = [(aspect_label(k), *_before_after(k, a.aspects.get(k, ""), b.aspects.get(k, "")))
                   for k in list(dict.fromkeys([*a.aspects, *b.aspects])) if a.aspects.get(k) != b.aspects.get(k)]
        if a.kind != b.kind:
            details.insert(0, (_("Type"), kind_label(a.kind), kind_label(b.kind)))
        changes.append(ElementChange(ident, b.kind, b.name or a.name, "changed", details))
    order = {"added": 0, "removed": 1, "changed": 2}
    positions = {ident: i for i, ident in enumerate([*after, *before])}
    changes.sort(key=lambda c: (order[c.how], positions.get(c.id, 0)))
    return FileDiff(name, how, changes)


def diff_bundles(old: DefinitionBundle, new: DefinitionBundle) -> list[FileDiff]:
    names = sorted(old.files.keys() | new.files.keys())
    return [diff_file(n, old.files.get(n), new.files.get(n)) for n in names]
