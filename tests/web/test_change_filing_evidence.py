"""A change filing carries evidence (Art. 17: 报备 with its supporting documents): at least one document — the
new lease or title deed, the new operator's business licence, the registration of the changed business scope —
is handed in with it, else it is refused with a message beside the file field. A filing sent back by the
recommending unit keeps the documents already handed in (required once per case)."""

from __future__ import annotations

import re

from .conftest import pdf
from .lifecycle import field_errors, inbox_task, page, submit
from .test_change_filing_values import FORWARD, start_filing

FILE = "file_change_evidence"
DIRECTION = {"change_type": "direction", "new_direction": "人工智能与智能制造", "change_description": "经营方向调整"}


def test_a_filing_without_a_supporting_document_is_refused_and_one_with_it_reaches_the_unit(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    task_id = start_filing(operator, space_id)
    html = page(operator, f"/tasks/{task_id}")
    label = re.search(rf'<label for="{FILE}">([^<]*)</label>', html)
    assert label and "（必交）" in label.group(1)
    instructions = re.search(r'<div class="instructions">(.*?)</div>', html, re.S).group(1)
    assert "租赁合同" in instructions and "营业执照" in instructions  # what to hand in, by kind of change

    response = operator.post(f"/tasks/{task_id}", DIRECTION)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), FILE)
    assert errors and "必交" in errors[0] and "请上传" in errors[0]
    assert FORWARD not in page(unit, "/")  # nothing reached the recommending unit

    submit(operator, task_id, {**DIRECTION, FILE: pdf("营业执照变更登记.pdf")})
    assert "营业执照变更登记.pdf" in page(unit, f"/tasks/{inbox_task(unit, FORWARD)}")


def test_a_returned_filing_keeps_the_documents_already_handed_in(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    task_id = start_filing(operator, space_id)
    submit(operator, task_id, {**DIRECTION, FILE: pdf("营业执照变更登记.pdf")})
    submit(unit, inbox_task(unit, FORWARD), {"forward_decision": "return", "forward_comments": "请补充说明调整原因"})
    again = inbox_task(operator, "提交变更报备")
    submit(operator, again, {**DIRECTION, "change_description": "经营方向调整：转向人工智能与智能制造孵化"})
    assert "营业执照变更登记.pdf" in page(unit, f"/tasks/{inbox_task(unit, FORWARD)}")
