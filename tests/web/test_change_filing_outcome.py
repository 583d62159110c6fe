"""The operator of a space is told how the Department decided its change filing, and the dossier keeps the
reason of a refusal (found walking the demo: a refused filing read 未予备案 on the dossier, nobody told the
operator, and nowhere did it say why)."""

from __future__ import annotations

import re

from .lifecycle import REPORT, inbox_task, page, submit, until_half_year_report
from .test_change_filing_values import ACCEPT, FORWARD, compared, evidence, refused, start_filing

AREA = {"change_type": "area", "change_description": "租用相邻楼层，场地扩大", "new_total_area_m2": "1600"}
REASON = "未附新增场地的租赁合同，无法核实面积"


def filed_through_to_the_department(login, space_id: int) -> None:
    operator, unit = login("applicant_a"), login("recommender_a")
    submit(operator, start_filing(operator, space_id), {**AREA, **evidence()})
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
    # the recommending unit that forwarded it reads the same on the dossier, and is told (it was not)
    assert REASON in change_rows_on_dossier(page(login("recommender_a"), f"/spaces/{space_id}"))
    unit_told = page(login("recommender_a"), "/notifications")
    assert "未予备案" in unit_told and REASON in unit_told


def test_a_filed_change_is_told_to_the_operator_and_the_departments_remark_stays_with_staff(login, world, space_id):
    operator, approver = login("applicant_a"), login("approver")
    filed_through_to_the_department(login, space_id)
    submit(approver, inbox_task(approver, ACCEPT), {"change_accepted": "yes", "change_comments": "内部备注：面积已核"})

    told = page(operator, "/notifications")
    assert "青城创客空间" in told and "场地面积" in told and "已准予备案" in told
    assert "内部备注" not in told
    unit_told = page(login("recommender_a"), "/notifications")
    assert "已准予备案" in unit_told and "内部备注" not in unit_told
    rows = change_rows_on_dossier(page(operator, f"/spaces/{space_id}"))
    assert "已备案" in rows and "内部备注" not in rows


# ---- the operator's form: the values on record beside the fields (item of the same walk: the operator typed
# a "new" area equal to the old one, and the reviewers read 1800 | 1800 and had to send it back) ----------


def field_block(html: str, name: str) -> str:
    """One field of the form as the operator reads it: label, input, hints and errors, as text."""
    for block in re.findall(r'<(?:div|fieldset) class="field[^"]*">.*?</(?:div|fieldset)>', html, re.S):
        if f'name="{name}"' in block:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))
    raise AssertionError(f"no field {name}")


def test_the_operator_reads_the_values_on_record_beside_the_fields(login, world, space_id):
    operator = login("applicant_a")
    submit(operator, until_half_year_report(login), REPORT)  # on record: 1200 m², 700 m² of it public
    task_id = start_filing(operator, space_id)
    html = page(operator, f"/tasks/{task_id}")
    assert "1200" in field_block(html, "new_total_area_m2") and "半年度" in field_block(html, "new_total_area_m2")
    assert "700" in field_block(html, "new_public_area_m2")
    assert "青城创客科技有限公司" in field_block(html, "new_organisation_name")
    assert "系统中无记录" in field_block(html, "new_organisation_credit_code")  # the organisation has no code yet


def test_a_new_value_equal_to_the_one_on_record_is_refused(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    submit(operator, until_half_year_report(login), REPORT)
    task_id = start_filing(operator, space_id)
    base = {"change_type": "area", "change_description": "公共服务区改造"}
    [said] = refused(operator, task_id, {**base, "new_total_area_m2": "1200"}, "new_total_area_m2")
    assert "1200" in said and "相同" in said and "留空" in said
    assert refused(operator, task_id, {**base, "new_total_area_m2": "1200.00", "new_public_area_m2": "900"},
                   "new_total_area_m2")  # the same number, however typed
    assert refused(operator, task_id, {**base, "new_total_area_m2": "1500", "new_public_area_m2": "700"},
                   "new_public_area_m2")
    # a change of the public area alone: the total is left empty, and the public area is checked against the
    # total on record
    assert refused(operator, task_id, {**base, "new_public_area_m2": "1300"}, "new_public_area_m2")
    submit(operator, task_id, {**base, "new_public_area_m2": "900", **evidence()})
    rows = compared(page(unit, f"/tasks/{inbox_task(unit, FORWARD)}"))
    assert rows == {"公共服务场地面积（㎡）": ("700", "900")}  # only what changes
