"""A fault as designers and supervisors read it (the trial run's report, /faults, the case page): the process
by the name its diagram gives it, and the engine's message.

The message is the engine's own, kept as recorded (webapp/engine/faults.py); only where it would name the
sandbox's workings is it put in words. RestrictedPython compiles diagram code into calls of helpers whose names
start with an underscore (which diagram code itself may not use): a construct whose helper the sandbox does not
provide fails with a name the designer never wrote (e.g. "name '_print_' is not defined": `print`, which the
deploy checks refuse, in code they cannot read, such as a trial run's)."""

from __future__ import annotations

import logging
import re

from flask import g
from flask_babel import gettext
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import DefinitionBundle

log = logging.getLogger(__name__)

_INTERNAL_NAME = re.compile(r"name '(_\w+)' is not defined")


def designer_message(message: str | None) -> str:
    found = _INTERNAL_NAME.search(message or "")
    if found is None:
        return message or ""
    return gettext("The script uses a construct that diagram code does not support. Please write that expression "
                   "in a simpler way.")


def process_name(process_id: str, bundle: DefinitionBundle | None) -> str:
    """The name the diagram gives the process (its pool, e.g. 众创空间认定) in the version `bundle` the fault
    happened on, else in the newest version that defines it; the id only when no version names it. Parsed
    bundles are cached (webapp/engine/definitions.py), so a page of faults parses each version at most once."""
    names = g.setdefault("process_names", {})
    key = (process_id, bundle.id if bundle is not None else None)
    if key not in names:
        names[key] = _diagram_name(process_id, bundle)
    return names[key]


def _diagram_name(process_id: str, bundle: DefinitionBundle | None) -> str:
    from webapp.engine.definitions import parsed_bundle

    versions = [bundle] if bundle is not None else []
    versions += db.session.scalars(select(DefinitionBundle).order_by(DefinitionBundle.version.desc())).all()
    for version in versions:
        if process_id in (version.process_ids or []):
            try:
                return parsed_bundle(version).names.get(process_id) or process_id
            except Exception:  # a version that no longer parses: the name is only a label, the id will do
                log.warning("process names of version %s could not be read", version.version, exc_info=True)
                return process_id
    return process_id
