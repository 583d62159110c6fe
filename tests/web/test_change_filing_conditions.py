"""A change of area that leaves the space short of the recognition conditions on premises (Art. 6.2: public
service area at least 50 % of the total, at least 500 m² under the operator's own control) is filed all the
same — a filing is how the Department learns of it — but the operator is told so on the form before handing it
in, and the recommending unit, the Department and the Torch Center read the same notice beside the values
filed. The thresholds and the reasons are the decision table's that checks applications (eligibility.dmn),
named by the change-request step's `conditionsDecision`: moving a threshold there moves the notice too."""

from __future__ import annotations

import re

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from .conftest import pdf
from .lifecycle import REPORT, inbox_task, page, submit, until_half_year_report
from .test_change_filing_values import ACCEPT, FORWARD, start_filing

NOTICE = "将不再符合认定条件"
SHARE = "公共场地面积不得低于众创空间总面积的50%"
OWN_AREA = "可自主支配的运营场所面积不得低于500平方米"
ACK = "conditions_acknowledged"


def area_change(**values) -> dict:
    return {"change_type": "area", "change_description": "部分公共区域改为办公用房",
            "file_change_evidence": pdf("租赁合同.pdf"), **values}


def warning_on(html: str) -> str:
    """The notice about the recognition conditions on a page, as text ("" when there is none)."""
    found = re.search(r'<div[^>]*id="conditions-warning"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def test_a_public_area_below_half_of_the_total_is_filed_with_a_notice_everyone_reads(login, world, space_id):
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    submit(operator, until_half_year_report(login), REPORT)  # on record: 1200 m², 700 m² of it public
    task_id = start_filing(operator, space_id)
    assert not warning_on(page(operator, f"/tasks/{task_id}"))  # nothing typed yet: nothing to warn of

    # handed in: the form comes back with the notice, what typed kept, and asks the operator to confirm
    response = operator.post(f"/tasks/{task_id}", area_change(new_public_area_m2="500"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    said = warning_on(html)
    assert NOTICE in said and SHARE in said and OWN_AREA not in said
    assert "推荐单位" in said and "科技厅" in said  # who will read it
    assert f'name="{ACK}"' in html and 'value="500"' in html
    # confirmed: filed, not refused
    submit(operator, task_id, area_change(new_public_area_m2="500", **{ACK: "y"}))

    for reviewer, title in ((unit, FORWARD), (approver, ACCEPT)):
        said = warning_on(page(reviewer, f"/tasks/{inbox_task(reviewer, title)}"))
        assert NOTICE in said and SHARE in said, (title, said)
        if reviewer is unit:
            submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "forward", "forward_comments": ""})
    submit(approver, inbox_task(approver, ACCEPT), {"change_accepted": "yes", "change_comments": "另行核查"})
    # the Torch Center reads it on the dossier, beside the values filed
    dossier = page(login("torch1"), f"/spaces/{space_id}")
    assert NOTICE in dossier and SHARE in dossier


def test_a_total_below_500_square_metres_is_named_and_a_change_within_the_conditions_is_filed_at_once(
        login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    submit(operator, until_half_year_report(login), REPORT)
    task_id = start_filing(operator, space_id)
    response = operator.post(f"/tasks/{task_id}", area_change(new_total_area_m2="450", new_public_area_m2="300"))
    said = warning_on(response.get_data(as_text=True))
    assert response.status_code == 422 and OWN_AREA in said and SHARE not in said

    # within the conditions (900 of 1600 m² public): no notice, no confirmation, filed at the first click
    submit(operator, task_id, area_change(new_total_area_m2="1600", new_public_area_m2="900"))
    assert not warning_on(page(unit, f"/tasks/{inbox_task(unit, FORWARD)}"))


def test_the_thresholds_are_read_from_the_decision_table(app, login, world, space_id):
    files = read_directory(app.config["BPMN_DIR"])
    dmn = re.sub(r"&lt;\s*0\.5\b", "&lt; 0.4", files["eligibility.dmn"])
    assert dmn != files["eligibility.dmn"]
    deploy({**files, "eligibility.dmn": dmn}, note="public share 40 %")
    db.session.commit()
    operator = login("applicant_a")
    submit(operator, until_half_year_report(login), REPORT)
    task_id = start_filing(operator, space_id)  # on the new version
    response = operator.post(f"/tasks/{task_id}", area_change(new_public_area_m2="400"))  # 33 %: below it
    assert response.status_code == 422 and SHARE in warning_on(response.get_data(as_text=True))
    submit(operator, task_id, area_change(new_public_area_m2="500"))  # 41.7 %: within the table's 40 %
