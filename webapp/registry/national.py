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
from webapp.models import MakerSpace, SpaceStatusChange
from webapp.models.registry import SPACE_STATUSES

PROCESS = "national_filing"
FIELD = "field.national_filing_result"


@dataclass(frozen=True)
class Offer:
    held: list[str]  # the labels of the levels the space is filed at
    open: list[str]  # the labels of the levels still to be filed


def filing_levels() -> list[tuple[str, str]]:
    """(code, label) of the levels the newest definitions' national filing records, in the diagram's order."""
    from forms.generated import choice_options
    from forms.scores import step_property
    from webapp.engine.definitions import latest_bundle

    declared = step_property(latest_bundle(), PROCESS, FIELD)
    return [(code, label) for code, label in choice_options(declared) if code in SPACE_STATUSES]


def offer(space: MakerSpace) -> Offer:
    levels = filing_levels()
    been = {space.status, *db.session.scalars(select(SpaceStatusChange.new_status).where(
        SpaceStatusChange.space_id == space.id, SpaceStatusChange.new_status.in_([code for code, _ in levels])))}
    return Offer(held=[label for code, label in levels if code in been],
                 open=[label for code, label in levels if code not in been])

