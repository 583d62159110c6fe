"""Which older versions a running case is really behind on: those where what the case runs differs from the
newest version — its own process (with the processes it calls and the messages, errors and signals it names)
and the decision tables it names (a businessRuleTask's table, or one a property or parameter names, such as a
score sheet). A new version that changed only another process, a table the case does not use, or the layout of
a drawing (BPMN DI, outside the process) leaves the case where it is: the move page does not list it.

Each (bundle checksum, process) is worked out once per process and kept: a bundle's files never change."""

from __future__ import annotations

import hashlib
import re

from lxml import etree
from sqlalchemy import select

from webapp.engine.safe_xml import SAFE_XML
from webapp.extensions import db
from webapp.models import DefinitionBundle, ProcessInstance

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Top-level elements of a BPMN file that are not what a process runs: the drawing and the pools' frame.
_NOT_RUN = {"process", "collaboration", "BPMNDiagram"}
_fingerprints: dict[tuple[str, str], str] = {}


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _canonical(element) -> bytes:
    return etree.tostring(element, method="c14n", with_comments=False)


def _fingerprints_of(files: dict[str, str]) -> dict[str, str]:
    """Every process of a bundle → a digest of what it runs."""
    processes: dict[str, tuple] = {}  # id → (element, the file's root)
    decisions: dict[str, object] = {}
    for name, text in files.items():
        try:
            root = etree.fromstring(text.encode("utf-8"), parser=SAFE_XML)
        except (etree.XMLSyntaxError, ValueError):
            continue
        if name.endswith(".bpmn"):
            for process in root.iter(f"{{{BPMN_NS}}}process"):
                processes[process.get("id")] = (process, root)
        elif name.endswith(".dmn"):
            for element in root.iter():
                if _local(element) == "decision" and element.get("id"):
                    decisions[element.get("id")] = element
    return {pid: _digest(pid, processes, decisions) for pid in processes}


def _digest(process_id: str, processes: dict, decisions: dict) -> str:
    parts: set[bytes] = set()
    todo, seen = [process_id], set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in processes:
            continue
        seen.add(pid)
        process, root = processes[pid]
        text = _canonical(process)
        parts.add(b"process " + text)
        words = set(_WORD.findall(text.decode("utf-8")))
        parts.update(b"definition " + _canonical(el) for el in root
                     if _local(el) and _local(el) not in _NOT_RUN and el.get("id") in words)
        todo.extend(call.get("calledElement") for call in process.iter(f"{{{BPMN_NS}}}callActivity"))
        named = [d for d in decisions if d in words]
        while named:  # a table, and the tables it requires
            decision_id = named.pop()
            table = _canonical(decisions[decision_id])
            if b"decision " + table not in parts:
                parts.add(b"decision " + table)
                named.extend(href.lstrip("#") for href in re.findall(r'href="([^"]+)"', table.decode("utf-8"))
                             if href.lstrip("#") in decisions)
    return hashlib.sha256(b"\0".join(sorted(parts))).hexdigest()


def fingerprint(bundle: DefinitionBundle, process_id: str) -> str | None:
    """A digest of what `process_id` runs in `bundle` (None: the bundle has no such process)."""
    key = (bundle.checksum, process_id)
    if key not in _fingerprints:
        for pid, digest in _fingerprints_of(bundle.files).items():  # the files are loaded only here
            _fingerprints[(bundle.checksum, pid)] = digest
        _fingerprints.setdefault(key, "")
    return _fingerprints[key] or None


def outdated_bundle_ids(process_id: str, target: DefinitionBundle) -> list[int]:
    """The older bundles running cases of `process_id` are on whose version of it differs from `target`'s."""
    newest = fingerprint(target, process_id)
    bundles = db.session.scalars(select(DefinitionBundle).where(
        DefinitionBundle.version < target.version,
        DefinitionBundle.id.in_(select(ProcessInstance.bundle_id).where(
            ProcessInstance.process_id == process_id, ProcessInstance.status == "running").distinct()))).all()
    return [bundle.id for bundle in bundles if newest is None or fingerprint(bundle, process_id) != newest]
