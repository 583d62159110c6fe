"""The filing form asks for the new values by kind of change: each group of fields under a heading naming the
kinds it is for (the page has no script to hide them), and a value typed in a field of another kind is refused
beside it, saying which kind it belongs to — it was filed and shown to the reviewers as if it had changed (a new
business direction typed on a change of area, an area on a change of direction)."""

from __future__ import annotations

import re

from .lifecycle import field_errors, inbox_task, page, submit
from .test_change_filing_values import FORWARD, compared, evidence, refused, start_filing


def headings_before(html: str) -> dict[str, str]:
    """Each field of the form -> the last group heading above it."""
    form = re.search(r'<form[^>]*id="task-form".*?</form>', html, re.S).group(0)
    found, heading = {}, ""
    for match in re.finditer(r'<h3 class="kind-group">([^<]*)</h3>|name="(new_\w+)"', form):
        if match.group(1) is not None:
            heading = match.group(1)
        else:
            found.setdefault(match.group(2), heading)
    return found


def test_the_fields_are_grouped_under_the_kinds_they_are_for(login, world, space_id):
    operator = login("applicant_a")
    headings = headings_before(page(operator, f"/tasks/{start_filing(operator, space_id)}"))
    assert "场地面积" in headings["new_total_area_m2"] and "场地地址" in headings["new_total_area_m2"]
    assert headings["new_public_area_m2"] == headings["new_total_area_m2"]
    assert "场地地址" in headings["new_address"] and "场地面积" not in headings["new_address"]
    assert "运营机构" in headings["new_organisation_name"] and "经营方向" not in headings["new_organisation_name"]
    assert "经营方向" in headings["new_direction"] and "运营机构" not in headings["new_direction"]


def test_a_value_typed_for_another_kind_of_change_is_refused(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    task_id = start_filing(operator, space_id)
    direction = {"change_type": "direction", "change_description": "经营方向调整", "new_direction": "人工智能"}
    [said] = refused(operator, task_id, {**direction, "new_total_area_m2": "1600"}, "new_total_area_m2")
    assert "场地面积" in said and "清空" in said
    area = {"change_type": "area", "change_description": "场地扩大", "new_total_area_m2": "1600"}
    [said] = refused(operator, task_id, {**area, "new_direction": "人工智能"}, "new_direction")
    assert "经营方向" in said
    assert refused(operator, task_id, {**area, "new_address": "呼和浩特市新城区"}, "new_address")
    # a move may change the area as well (the area fields are for both kinds)
    move = {"change_type": "address", "change_description": "搬迁", "new_address": "呼和浩特市新城区"}
    response = submit(operator, task_id, {**move, "new_total_area_m2": "1600", **evidence()})
    assert not field_errors(response.get_data(as_text=True), "new_total_area_m2")
    assert set(compared(page(unit, f"/tasks/{inbox_task(unit, FORWARD)}"))) == {"场地地址", "场地总面积（㎡）"}
