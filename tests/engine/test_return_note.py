"""The note on a step sent back names the office that sent it back in the catalog's words for the role, and a
note written before it said the office (it held the person's name, whoever read it) names nobody."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from webapp.engine import office
from webapp.models.accounts import LANE_ROLES

CATALOG = Path(__file__).parents[2] / "webapp/translations/zh/LC_MESSAGES/messages.po"


def test_the_offices_are_named_as_the_catalog_names_the_roles():
    with CATALOG.open("rb") as po:
        catalog = read_po(po)
    assert {role: catalog[role].string for role in LANE_ROLES} == office.ROLE_NAMES


def test_a_note_from_before_names_nobody():
    note = {"verb": "returned", "from": "材料完整性审核", "by": "torch1", "reason": "缺少场地租赁合同", "task": "t"}
    assert office.note_text({office.NOTE: note}, "t") == "「材料完整性审核」退回：缺少场地租赁合同"
