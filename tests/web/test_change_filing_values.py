"""A change filing (变更备案, Art. 17; R15) carries the new values, and those who review it read them beside
the values on record (found walking the demo: the form had no field for the new area, and its "new
operator" list offered every organisation in the system, the operator's competitors included).

- the new area (场地面积) in m²: required for a change of area, a number greater than 0 and within bounds;
- a new operator is typed as its name and unified social credit code (统一社会信用代码: 18 characters, its
  check character verified), never picked from the system's organisations;
- the recommending unit and the Department see each new value beside the old one;
- a filed change of operator moves the space to the organisation of that code (registered now if the system
  does not know it yet), and says so before the click."""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation

from .conftest import pdf
from .lifecycle import (
    REPORT,
    field_errors,
    forbidden,
    inbox_task,
    page,
    space,
    submit,
    until_half_year_report,
)

NEW_CODE = "91150100MA0Q1B2C3D"  # valid: its 18th character is the check character of the first 17
OLD_CODE = "91150200MA0R2D4E5Y"
FORWARD, ACCEPT = "推荐单位审核转报", "科技厅备案确认"


def start_filing(browser, space_id: int) -> int:
    dossier = f"/spaces/{space_id}"
    response = browser.post(f"{dossier}/changes", {}, from_page=dossier)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))


def evidence(name: str = "租赁合同.pdf") -> dict:
    """The supporting document a filing cannot be handed in without (test_change_filing_evidence.py)."""
    return {"file_change_evidence": pdf(name)}


def refused(browser, task_id: int, data: dict, field: str) -> list[str]:
    response = browser.post(f"/tasks/{task_id}", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, (data, html[:1500])
    errors = field_errors(html, field)
    assert errors, (field, data)
    return errors


def compared(html: str) -> dict[str, tuple[str, str]]:
    """The table of the filed change on a reviewer's page: item -> (before, after)."""
    table = re.search(r'<table class="list" id="change-values">(.*?)</table>', html, re.S)
    assert table, "no comparison of old and new values"
    rows = re.findall(r"<tr><td>([^<]*)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group(1), re.S)
    return {item: (re.sub(r"<[^>]+>", "", before).strip(), re.sub(r"<[^>]+>", "", after).strip())
            for item, before, after in rows}


def test_a_change_of_area_needs_the_new_area_and_is_read_beside_the_reported_one(login, world, space_id):
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    submit(operator, until_half_year_report(login), REPORT)  # on record: 1200 m², 700 m² of it public
    task_id = start_filing(operator, space_id)
    html = page(operator, f"/tasks/{task_id}")
    assert 'name="new_total_area_m2"' in html and 'name="new_public_area_m2"' in html

    base = {"change_type": "area", "change_description": "租用相邻楼层，场地扩大"}
    assert refused(operator, task_id, base, "new_total_area_m2")  # a change of area without the new area
    for typed in ("0", "-20", "abc", "1000001", "NaN"):
        assert refused(operator, task_id, {**base, "new_total_area_m2": typed}, "new_total_area_m2")
    assert refused(operator, task_id, {**base, "new_total_area_m2": "1600", "new_public_area_m2": "1700"},
                   "new_public_area_m2")  # the public part cannot exceed the whole
    submit(operator, task_id, {**base, "new_total_area_m2": "1600", "new_public_area_m2": "900", **evidence()})

    for reviewer, title in ((unit, FORWARD), (approver, ACCEPT)):
        task = inbox_task(reviewer, title)
        html = page(reviewer, f"/tasks/{task}")
        rows = compared(html)
        assert rows["场地总面积（㎡）"] == ("1200", "1600") and rows["公共服务场地面积（㎡）"] == ("700", "900")
        assert "运营机构" not in rows and "场地地址" not in rows  # only what the filing changes
        assert "变更前的面积据" in html and "半年度" in html  # where the old figure comes from
        assert "租用相邻楼层，场地扩大" in html
        if reviewer is unit:
            submit(unit, task, {"forward_decision": "forward", "forward_comments": ""})
    submit(approver, inbox_task(approver, ACCEPT), {"change_accepted": "yes", "change_comments": "予以备案"})
    # the dossier keeps what was filed (it said only that the area had changed) ...
    dossier = page(operator, f"/spaces/{space_id}")
    assert "<th>场地总面积（㎡）</th><td>1200 → 1600</td>" in dossier
    assert "<th>公共服务场地面积（㎡）</th><td>700 → 900</td>" in dossier
    # ... and the next filing reads the filed area as the one on record, not the older report's
    again = start_filing(operator, space_id)
    submit(operator, again, {**base, "new_total_area_m2": "1700", **evidence()})  # 900 of it public: within the conditions
    html = page(unit, f"/tasks/{inbox_task(unit, FORWARD)}")
    assert compared(html)["场地总面积（㎡）"] == ("1600", "1700") and "备案的场地面积变更" in html


def test_a_new_operator_is_typed_with_its_credit_code_not_picked_from_every_organisation(login, world, space_id):
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    world["org_a"].credit_code = OLD_CODE
    db.session.commit()
    task_id = start_filing(operator, space_id)
    html = page(operator, f"/tasks/{task_id}")
    assert "鹿城众创孵化服务有限公司" not in html  # another operator of the system is not listed
    assert 'name="new_organisation_id"' not in html
    assert 'name="new_organisation_name"' in html and 'name="new_organisation_credit_code"' in html

    base = {"change_type": "operator", "change_description": "运营主体变更"}
    assert refused(operator, task_id, base, "new_organisation_name")
    assert refused(operator, task_id, base, "new_organisation_credit_code")
    named = {**base, "new_organisation_name": "呼和浩特青创运营管理有限公司"}
    for typed in ("12345", "91150100MA0Q1B2C3", "91150100MA0Q1B2C3DX", "91150100MA0Q1B2C3E", "91150100MA0Q1I2C3D"):
        errors = refused(operator, task_id, {**named, "new_organisation_credit_code": typed},
                         "new_organisation_credit_code")
        assert all("统一社会信用代码" in e for e in errors), errors
    assert "当前的运营机构" in " ".join(refused(operator, task_id, {**named, "new_organisation_credit_code": OLD_CODE},
                                          "new_organisation_credit_code"))
    # operator fields belong to a change of operator
    assert refused(operator, task_id, {"change_type": "area", "change_description": "x", "new_total_area_m2": "900",
                                       "new_organisation_credit_code": NEW_CODE}, "new_organisation_credit_code")
    # typed as people copy it from a licence: lower case, spaces, full-width characters
    submit(operator, task_id, {**named, "new_organisation_credit_code": " ９１150100ma0q1b2c3d ",
                               **evidence("营业执照.pdf")})
    submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "forward", "forward_comments": "同意"})

    accept_id = inbox_task(approver, ACCEPT)
    html = page(approver, f"/tasks/{accept_id}")
    rows = compared(html)
    assert rows["运营机构"] == (f"青城创客科技有限公司（统一社会信用代码 {OLD_CODE}）",
                               f"呼和浩特青创运营管理有限公司（统一社会信用代码 {NEW_CODE}）")
    assert "尚未在系统中登记" in html and "开通账号" in html  # what the click will do, and what is left to do
    submit(approver, accept_id, {"change_accepted": "yes", "change_comments": "予以备案"})

    new = db.session.scalars(select(Organisation).where(Organisation.credit_code == NEW_CODE)).one()
    assert new.name == "呼和浩特青创运营管理有限公司" and new.unit_id == world["hohhot"].id
    assert space(space_id).organisation_id == new.id
    forbidden(operator, "get", f"/spaces/{space_id}")  # the former operator no longer sees it


def test_a_new_operator_known_to_the_system_takes_the_space_with_its_accounts(login, world, space_id):
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    world["org_b"].credit_code = NEW_CODE
    db.session.commit()
    task_id = start_filing(operator, space_id)
    submit(operator, task_id, {"change_type": "operator", "change_description": "运营机构变更",
                               "new_organisation_name": "鹿城众创孵化服务有限公司",
                               "new_organisation_credit_code": NEW_CODE, **evidence("营业执照.pdf")})
    html = page(unit, f"/tasks/{inbox_task(unit, FORWARD)}")
    assert "已在系统中登记" in html and "鹿城众创孵化服务有限公司" in html
    # the reviewers know it belongs to another recommending unit, and who will read the space's record
    # (an outside probe moved a space this way, the other unit's people then reading everything)
    assert "该机构登记在另一推荐单位" in html
    assert "该机构在系统中已有 1 个账号" in html
    submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "forward", "forward_comments": ""})
    accept_id = inbox_task(approver, ACCEPT)
    assert "开通账号" not in page(approver, f"/tasks/{accept_id}")  # its people already have accounts
    submit(approver, accept_id, {"change_accepted": "yes", "change_comments": ""})
    assert space(space_id).organisation_id == world["org_b"].id
    assert db.session.scalars(select(Organisation).where(Organisation.credit_code == NEW_CODE)).all() == \
        [world["org_b"]]  # nobody registered twice
    assert page(login("applicant_b"), f"/spaces/{space_id}")


def test_address_and_direction_changes_say_what_they_change_to(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    task_id = start_filing(operator, space_id)
    html = page(operator, f"/tasks/{task_id}")
    assert ">场地地址<" in html  # a kind of change the diagram offers (choices.change_type)
    assert refused(operator, task_id, {"change_type": "address", "change_description": "搬迁"}, "new_address")
    assert refused(operator, task_id, {"change_type": "direction", "change_description": "转型"}, "new_direction")
    submit(operator, task_id, {"change_type": "address", "change_description": "整体搬迁至新园区",
                               "new_address": "呼和浩特市赛罕区敕勒川大街 1 号", "new_total_area_m2": "2000",
                               **evidence()})
    rows = compared(page(unit, f"/tasks/{inbox_task(unit, FORWARD)}"))
    assert rows["场地地址"] == ("系统中无记录", "呼和浩特市赛罕区敕勒川大街 1 号")
    assert rows["场地总面积（㎡）"] == ("系统中无记录", "2000")  # optional, given: shown too
