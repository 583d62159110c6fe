"""Which national filings a space's page offers (Art. 15, 16; bpmn/national_filing.bpmn).

A space is filed with the Ministry as a 国家众创空间 (Art. 15) or a 国家专业化众创空间 (Art. 16), each once and each
with its one-time award. The levels are the diagram's: the choices of its step's `national_filing_result` that
are a space's status (未获备案 is a choice, not a level). A level is held once the space's status has been it
(now, or at any time before: a filing is not undone by a later rectification). So the page offers the levels
not yet held and names those held; with every level held it offers nothing, and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import MakerSpace, ProcessInstance, SpaceStatusChange
from webapp.models.registry import SPACE_STATUSES

PROCESS = "national_filing"
FIELD = "field.national_filing_result"


@dataclass(frozen=True)
class Offer:
    held: list[str]  # the labels of the levels the space is filed at
    open: list[str]  # the labels of the levels still to be filed


def filing_levels() -> list[tuple[str, str]]:
    """(code, label) of the levels the newest definitions' national filing records, in the diagram's order."""
    from forms.declared import parse_choices
    from webapp.engine.definitions import latest_bundle, parsed_bundle
    from webapp.engine.runtime import task_properties

    bundle = latest_bundle()
    if bundle is None or PROCESS not in bundle.process_ids:
        return []
    spec, subprocess_specs = parsed_bundle(bundle).specs[PROCESS]
    for wf_spec in [spec, *subprocess_specs.values()]:
        for task_spec in wf_spec.task_specs.values():
            declared = task_properties(task_spec).get(FIELD)
            if declared:
                choices = declared.split("|", 2)[2] if declared.count("|") >= 2 else ""
                return [(code, label) for code, label in parse_choices(choices) if code in SPACE_STATUSES]
    return []


def offer(space: MakerSpace) -> Offer:
    levels = filing_levels()
    been = {space.status, *db.session.scalars(select(SpaceStatusChange.new_status).where(
        SpaceStatusChange.space_id == space.id, SpaceStatusChange.new_status.in_([code for code, _ in levels])))}
    return Offer(held=[label for code, label in levels if code in been],
                 open=[label for code, label in levels if code not in been])


def running_filing(space_id: int) -> ProcessInstance | None:
    """The space's national filing still under way, if any: a second click opens it rather than starting another
    step with its own deadline."""
    return db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == PROCESS, ProcessInstance.subject_type == "space",
        ProcessInstance.subject_id == space_id, ProcessInstance.status == "running").order_by(ProcessInstance.id)).first()
