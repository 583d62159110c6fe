"""A change filed although its areas leave the space short of the recognition conditions (Art. 6.2) is checked:
the diagram opens 核查变更后是否符合认定条件 for the Torch Center, with a deadline, in a case of its own
(变更后认定条件核查, change_filing.bpmn), so the filing ends and the operator may file the next change (the one
that puts the areas right) at once. Found by an outside tester: after the Department's 准予备案 the case simply
ended, with no check and nothing on the space, and someone had to remember to report it by hand.

Checked and still meeting the conditions: the case ends and the operator is told. Not meeting them: the
Department decides whether to revoke the recognition (Art. 19.5), as a violation case would."""

from __future__ import annotations

import re

from .lifecycle import (
    REPORT,
    inbox_links,
    inbox_task,
    open_tasks,
    page,
    space,
    submit,
    until_half_year_report,
)
from .test_change_filing_conditions import ACK, SHARE, area_change
from .test_change_filing_values import ACCEPT, FORWARD, start_filing

CHECK = "核查变更后是否符合认定条件"
DECIDE = "决定是否取消众创空间资格"
SHORT = {"new_total_area_m2": "900", "new_public_area_m2": "400", ACK: "y"}  # 400 of 900 m² public: 44 %


def where_it_stands(html: str) -> str:
    found = re.search(r'<table class="list" id="where-it-stands">(.*?)</table>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def filed(login, space_id: int, accepted: bool = True, **areas) -> None:
    """A change of area handed in, forwarded and decided by the Department."""
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    submit(operator, until_half_year_report(login), REPORT)  # on record: 1200 m², 700 m² of it public
    submit(operator, start_filing(operator, space_id), area_change(**(areas or SHORT)))
    submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "forward", "forward_comments": ""})
    submit(approver, inbox_task(approver, ACCEPT),
           {"change_accepted": "yes" if accepted else "no", "change_comments": "" if accepted else "材料不全"})


def test_a_change_filed_short_of_the_conditions_opens_a_check_with_a_deadline(login, world, space_id):
    operator, torch = login("applicant_a"), login("torch1")
    filed(login, space_id)

    check_id = inbox_task(torch, CHECK)
    task_page = page(torch, f"/tasks/{check_id}")
    assert SHARE in task_page and "第十九条第五项" in task_page  # what failed, and what may follow
    for viewer in (operator, torch, login("recommender_a")):  # the space page shows the check under way
        stands = where_it_stands(page(viewer, f"/spaces/{space_id}"))
        assert CHECK in stands and "截止日期" in stands, (viewer.username, stands)
    told = page(operator, "/notifications")
    assert "已准予备案" in told and SHARE in told and "火炬中心将于" in told and "核查" in told
    # the filing itself has ended: the operator may file the change that puts the areas right
    assert start_filing(operator, space_id)  # opens the new filing's first step

    # not met: the Department decides, and a revocation ends the space's recognition
    submit(torch, check_id, {"conditions_met": "not_met", "check_findings": "实地核查：公共场地约 400 平方米，不足一半"})
    approver = login("approver")
    decide = page(approver, f"/tasks/{inbox_task(approver, DECIDE)}")
    assert "不足一半" in decide
    submit(approver, inbox_task(approver, DECIDE), {"revoke": "yes", "decision_reason": "变更后公共场地不足总面积的50%，取消资格"})
    assert space(space_id).status == "revoked"


def test_a_check_that_finds_the_conditions_met_ends_and_tells_the_operator(login, world, space_id):
    operator, torch = login("applicant_a"), login("torch1")
    filed(login, space_id)
    submit(torch, inbox_task(torch, CHECK), {"conditions_met": "met", "check_findings": "另有 200 平方米公共区域未计入"})
    assert CHECK not in inbox_links(torch) and not [t for t in open_tasks(space_id) if t.title in (CHECK, DECIDE)]
    assert "仍符合认定条件" in page(operator, "/notifications")
    assert CHECK not in where_it_stands(page(operator, f"/spaces/{space_id}"))
    assert space(space_id).status == "recognised"


def test_the_department_may_keep_the_recognition_and_the_operator_is_told_why(login, world, space_id):
    operator, torch, approver = login("applicant_a"), login("torch1"), login("approver")
    filed(login, space_id)
    submit(torch, inbox_task(torch, CHECK), {"conditions_met": "not_met", "check_findings": "公共场地不足一半"})
    submit(approver, inbox_task(approver, DECIDE), {"revoke": "no", "decision_reason": "运营机构已承诺三个月内恢复公共区域"})
    assert space(space_id).status == "recognised"
    told = page(operator, "/notifications")
    assert "运营机构已承诺三个月内恢复公共区域" in told and "不取消" in told


def test_a_change_within_the_conditions_or_one_not_filed_opens_no_check(login, world, space_id):
    filed(login, space_id, accepted=False)  # short of the conditions, but refused: nothing changed
    assert CHECK not in inbox_links(login("torch1"))
    # within the conditions (900 of 1600 m² public): filed, nothing to check
    operator, unit, approver = login("applicant_a"), login("recommender_a"), login("approver")
    submit(operator, start_filing(operator, space_id), area_change(new_total_area_m2="1600", new_public_area_m2="900"))
    submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "forward", "forward_comments": ""})
    submit(approver, inbox_task(approver, ACCEPT), {"change_accepted": "yes", "change_comments": ""})
    assert CHECK not in inbox_links(login("torch1"))
    assert not [t for t in open_tasks(space_id) if t.title in (CHECK, DECIDE)]
