"""Versioned process definitions.

All files in bpmn/ are deployed together as one DefinitionBundle. Deploying the same content again is a
no-op; changed content becomes the next version. Instances remember their bundle; parsed specs are
cached per bundle id (bundles are immutable, so the cache never goes stale).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import DefinitionBundle

from .safe_xml import SAFE_XML as _SAFE_XML

MAX_FILE_BYTES = 2 * 1024 * 1024


class DefinitionError(Exception):
    """A diagram or decision table can't be deployed; the message says where and why.

    Raised by deploy() with the checks' problems (webapp/engine/checks/): `.problems` lists them (errors
    and warnings), str() is one line per problem: "文件 · 元素id（名称）：消息。修改建议：…"."""

    def __init__(self, problems=()):
        if isinstance(problems, str):
            from .checks import Problem

            problems = [Problem("", "", "", problems, "")]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))




def parse_xml_safely(name: str, text: str) -> etree._Element:
    raw = text.encode("utf-8")
    if len(raw) > MAX_FILE_BYTES:
        raise DefinitionError(f"{name}: file too large")
    try:
        tree = etree.fromstring(raw, parser=_SAFE_XML)
    except etree.XMLSyntaxError as exc:
        raise DefinitionError(f"{name}: not well-formed XML ({exc})") from None
    if tree.getroottree().docinfo.doctype:
        raise DefinitionError(f"{name}: DOCTYPE declarations are not allowed")
    return tree


def build_parser(files: dict[str, str], checked: bool = True) -> SpiffBpmnParser:
    from .dmn_check import overlaps

    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        for name in sorted(files):
            if name.endswith(".dmn"):
                root = parse_xml_safely(name, files[name])
                clashes = overlaps(root) if checked else []
                if clashes:
                    raise DefinitionError(f"{name}: " + "; ".join(clashes))
                parser.add_dmn_xml(root, filename=name)
        for name in sorted(files):
            if name.endswith(".bpmn"):
                parser.add_bpmn_xml(parse_xml_safely(name, files[name]), filename=name)
    except ValidationException as exc:
        raise DefinitionError(f"{exc.file_name}:{exc.line_number} {exc}") from None
    return parser


@dataclass(frozen=True)
class ParsedBundle:
    specs: dict[str, tuple]  # process id -> (spec, subprocess specs)
    names: dict[str, str]
    message_starts: dict[str, list[str]]  # message name -> processes a message start event of which it starts
    tables: dict[str, list[dict[str, str]]]  # decision id -> its rules' output cells (expressions), in order


def _decision_tables(parser) -> dict[str, list[dict[str, str]]]:
    """Every decision table's rules as rows of output cells, for tables used as data (the evaluation
    sheet), which the engine's COLLECT would de-duplicate column by column."""
    tables = {}
    for decision_id, dmn_parser in parser.dmn_parsers.items():
        dmn_parser.parse()
        table = dmn_parser.decision.decisionTables[0]
        tables[decision_id] = [{entry.output.name: entry.text for entry in rule.outputEntries} for rule in table.rules]
    return tables


def decision_rows(bundle: DefinitionBundle, decision_id: str) -> list[dict]:
    """The rows of a decision table in `bundle` (the version a case runs on), cells evaluated in the sandbox."""
    from .sandbox import SandboxedDataEnvironment

    environment = SandboxedDataEnvironment()
    rows = parsed_bundle(bundle).tables.get(decision_id, [])
    return [{name: environment.evaluate(text, {}) if text else None for name, text in row.items()} for row in rows]


def _message_start_names(spec) -> list[str]:
    from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

    return [
        ts.event_definition.name
        for ts in spec.task_specs.values()
        if isinstance(ts, StartEvent) and isinstance(getattr(ts, "event_definition", None), MessageEventDefinition)
    ]


def parse_bundle(files: dict[str, str], checked: bool = True) -> ParsedBundle:
    """Parse and fully resolve every process; raise DefinitionError with a readable message. `checked=False`
    leaves out what deploy checks against the code of the day (service functions, lane roles, overlapping
    rules): a bundle deployed under an earlier release must keep loading its cases; a step calling a
    function that is gone fails at that step, as a fault on that case."""
    parser = build_parser(files, checked)
    specs, names, message_starts = {}, {}, {}
    try:
        for pid in parser.get_process_ids():
            spec = parser.get_spec(pid)
            specs[pid] = (spec, parser.get_subprocess_specs(pid))
            names[pid] = spec.description or pid
            for message in _message_start_names(spec):
                message_starts.setdefault(message, []).append(pid)
    except ValidationException as exc:
        raise DefinitionError(f"{exc.file_name}:{exc.line_number} {exc}") from None
    except Exception as exc:  # missing DMN, missing call-activity target, bad expression syntax
        raise DefinitionError(str(exc)) from None
    problems = [p for pid, (spec, subs) in specs.items() for p in check_conventions(pid, [spec, *subs.values()])
                if checked]
    if problems:
        raise DefinitionError("; ".join(problems))
    return ParsedBundle(specs=specs, names=names, message_starts=message_starts, tables=_decision_tables(parser))


def check_conventions(process_id: str, wf_specs: list) -> list[str]:
    """What the parser can't know: lanes name roles, service tasks name registered functions
    (docs/diagram-conventions.md). Caught at deploy, not months later in the sweeper."""
    from webapp.models.accounts import LANE_ROLES

    from .runtime import lane_role
    from .services import registry

    problems = []
    for wf_spec in wf_specs:
        for task_spec in wf_spec.task_specs.values():
            where = f"{process_id}/{getattr(task_spec, 'bpmn_id', None) or task_spec.name}"
            if getattr(task_spec, "manual", False) and lane_role(task_spec.lane) not in (None, *LANE_ROLES):
                problems.append(f"{where}: lane {task_spec.lane!r} names no role ({', '.join(LANE_ROLES)})")
            operator = getattr(task_spec, "operation_name", None)
            if operator and operator not in registry.names():
                problems.append(f"{where}: no service task function named {operator!r}")
    return problems


@lru_cache(maxsize=32)
def _parsed(bundle_id: int, checksum: str) -> ParsedBundle:
    """A bundle parsed once per process, its specs shared by every case that runs on it (webapp/engine/state.py
    keeps them out of the saved states)."""
    bundle = db.session.get(DefinitionBundle, bundle_id)
    parsed = parse_bundle(bundle.files, checked=False)  # it passed deploy's checks when it was deployed
    return replace(parsed, specs={pid: _as_restored(spec, subprocess_specs)
                                  for pid, (spec, subprocess_specs) in parsed.specs.items()})


def _as_restored(spec, subprocess_specs) -> tuple:
    """The specs as SpiffWorkflow's serializer rebuilds them, not as its parser leaves them: restoring wires
    up what running cases rely on (a multi-instance task hears its instances complete only through a
    connection made there), and cases were always run on restored specs when the spec was in the state."""
    from .state import FULL

    registry = FULL.registry
    restored = (registry.restore(registry.convert(spec)),
                {name: registry.restore(registry.convert(sub)) for name, sub in subprocess_specs.items()})
    for wf_spec in [restored[0], *restored[1].values()]:
        _wire_event_subprocesses(wf_spec)
    return restored


def _wire_event_subprocesses(wf_spec) -> None:
    """SpiffWorkflow wires an event sub-process into its process's spec when the event first comes
    (BpmnStartTask.trigger_wf: the start task becomes its input, the end its output). With a spec of its own
    per case that was harmless; shared, it would leak into every later case (its start would run the event
    sub-process at once) and be lost on restart (the sub-process could not finish). So the wiring is done
    here, once, the way trigger_wf checks for it — except that the start task does not list it among its
    outputs, so no case starts it before its event comes."""
    start = getattr(wf_spec, "start", None)
    for name in getattr(start, "trigger_specs", None) or []:
        event_subprocess = wf_spec.task_specs.get(name)
        if event_subprocess is not None and start not in event_subprocess.inputs:
            event_subprocess._connect_notify(start)
            event_subprocess.connect(wf_spec.end)


def parsed_bundle(bundle: DefinitionBundle) -> ParsedBundle:
    return _parsed(bundle.id, bundle.checksum)


def event_properties(process_id: str, message: str | None = None) -> dict:
    """The properties of the event by which people start a process (its none start event) or send it
    `message` (the event that catches it), in the newest definitions: a designer declares there the
    fields people fill in (`field.<name>`), as a user task does."""
    from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

    from .runtime import task_properties

    bundle = latest_bundle()
    if bundle is None or process_id not in bundle.process_ids:
        return {}
    spec, subprocess_specs = parsed_bundle(bundle).specs[process_id]
    for wf_spec in [spec, *subprocess_specs.values()]:
        for task_spec in wf_spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if message is None and isinstance(task_spec, StartEvent) and not isinstance(definition, MessageEventDefinition):
                return task_properties(task_spec)
            if message is not None and isinstance(definition, MessageEventDefinition) and definition.name == message:
                return task_properties(task_spec)
    return {}


def read_directory(path: str | Path) -> dict[str, str]:
    root = Path(path)
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(root.iterdir())
        if p.suffix in (".bpmn", ".dmn") and p.is_file()
    }


def checksum(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def latest_bundle() -> DefinitionBundle | None:
    return db.session.scalars(select(DefinitionBundle).order_by(DefinitionBundle.version.desc())).first()


def deploy(files: dict[str, str], note: str = "", deployed_by_id: int | None = None) -> DefinitionBundle:
    """Validate and store a new version (flushes, doesn't commit). Same content → current version."""
    from .checks import check_files, errors

    problems = check_files(files)  # before anything else: sizes, safe XML, schemas, conventions, tables
    if errors(problems):
        raise DefinitionError(problems)
    digest = checksum(files)
    current = latest_bundle()
    if current is not None and current.checksum == digest:
        return current
    parsed = parse_bundle(files)
    bundle = DefinitionBundle(
        version=(current.version + 1) if current else 1,
        checksum=digest,
        files=files,
        process_ids=sorted(parsed.specs),
        note=note,
        deployed_by_id=deployed_by_id,
    )
    db.session.add(bundle)
    db.session.flush()
    return bundle
