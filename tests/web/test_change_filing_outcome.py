"""The operator of a space is told how the Department decided its change filing, and the dossier keeps the
reason of a refusal (found walking the demo: a refused filing read 未予备案 on the dossier, nobody told the
operator, and nowhere did it say why)."""

from __future__ import annotations

import re

from .lifecycle import inbox_task, page, submit
from .test_change_filing_values import ACCEPT, FORWARD, start_filing

AREA = {"change_type": "area", "change_description": "租用相邻楼层，场地扩大", "new_total_area_m2": "1600"}
REASON = "未附新增场地的租赁合同，无法核实面积"


def filed_through_to_the_department(login, space_id: int) -> None:
    operator, unit = login("applicant_a"), login("recommender_a")
    submit(operator, start_filing(operator, space_id), AREA)
    submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "forward", "forward_comments": "同意转报"})


def change_rows_on_dossier(html: str) -> str:
    """The dossier's table of change filings, as text (it is the page's last table)."""
    section = re.search(r'<table class="list" id="changes">(.*?)</main>', html, re.S)
    assert section, "no table of change filings on the dossier"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(1)))


def test_a_refused_change_is_told_to_the_operator_with_the_reason_and_kept_on_the_dossier(login, world, space_id):
    operator, approver = login("applicant_a"), login("approver")
    filed_through_to_the_department(login, space_id)
    submit(approver, inbox_task(approver, ACCEPT), {"change_accepted": "no", "change_comments": REASON})

    told = page(operator, "/notifications")
    assert "青城创客空间" in told and "未予备案" in told and REASON in told
    rows = change_rows_on_dossier(page(operator, f"/spaces/{space_id}"))
    assert "未予备案" in rows and REASON in rows
    # the recommending unit that forwarded it reads the same on the dossier
    assert REASON in change_rows_on_dossier(page(login("recommender_a"), f"/spaces/{space_id}"))


def test_a_filed_change_is_told_to_the_operator_and_the_departments_remark_stays_with_staff(login, world, space_id):
    operator, approver = login("applicant_a"), login("approver")
    filed_through_to_the_department(login, space_id)
    submit(approver, inbox_task(approver, ACCEPT), {"change_accepted": "yes", "change_comments": "内部备注：面积已核"})

    told = page(operator, "/notifications")
    assert "青城创客空间" in told and "场地面积" in told and "已准予备案" in told
    assert "内部备注" not in told
    rows = change_rows_on_dossier(page(operator, f"/spaces/{space_id}"))
    assert "已备案" in rows and "内部备注" not in rows
