"""Odd values an outside tester typed into the forms of the demo: each is refused with one message, in Chinese,
that says what to type instead: an area of 0.0000001 ㎡ read "必须大于 0", NaN in a count gave two messages,
letters for an expert gave WTForms' own text, and the three forms that take a floor area capped it three ways.
(A filter's name: test_saved_filter_input.py; the demo clock: test_demo_clock.py.)"""

from __future__ import annotations

from .flow import application_fields, complete, open_task, start_application, submit_application, with_files
from .lifecycle import REPORT, field_errors, until_half_year_report

AREA_MESSAGE = "请输入大于 0、不超过 1000000 ㎡ 的面积。"
PLACES_MESSAGE = "最多保留2位小数，请改正后再提交。"


def _application_errors(login, **typed) -> dict[str, list[str]]:
    """The messages beside each field typed, when the application is submitted with those values."""
    applicant = login("applicant_a")
    task = open_task(start_application(applicant), "submit_application")
    response = applicant.post(f"/tasks/{task.id}", with_files(application_fields(**typed)))
    assert response.status_code == 422, typed
    html = response.get_data(as_text=True)
    return {name: field_errors(html, name) for name in typed}


def _report_errors(login, **typed) -> dict[str, list[str]]:
    report_id = until_half_year_report(login)
    response = login("applicant_a").post(f"/tasks/{report_id}", {**REPORT, **typed})
    assert response.status_code == 422, typed
    html = response.get_data(as_text=True)
    return {name: field_errors(html, name) for name in typed}


def _change_errors(login, space_id, typed: str) -> list[str]:
    operator, dossier = login("applicant_a"), f"/spaces/{space_id}"
    task = operator.post(f"{dossier}/changes", {}, from_page=dossier).headers["Location"].rsplit("/", 1)[1]
    response = operator.post(f"/tasks/{task}", {"change_type": "area", "change_description": "扩大",
                                                 "new_total_area_m2": typed})
    assert response.status_code == 422, typed
    return field_errors(response.get_data(as_text=True), "new_total_area_m2")


# ---- 1. an area finer than a hundredth of a square metre --------------------------------------------------


def test_an_area_with_too_many_decimals_is_told_so_not_that_it_must_be_greater_than_0(login, world):
    errors = _application_errors(login, total_area_m2="0.0000001", public_area_m2="0.0000001",
                                 controlled_area_m2="0.001")
    assert errors == {"total_area_m2": [PLACES_MESSAGE], "public_area_m2": [PLACES_MESSAGE],
                      "controlled_area_m2": [PLACES_MESSAGE]}


def test_the_half_year_report_says_the_same_of_an_area_with_too_many_decimals(login, space_id):
    assert _report_errors(login, total_area_m2="0.0000001") == {"total_area_m2": [PLACES_MESSAGE]}


# ---- 2. NaN, inf and other text that is no number: one message --------------------------------------------


def test_text_that_is_no_whole_number_in_a_count_gets_one_message(login, world):
    for typed in ("NaN", "inf", "Infinity", "abc", "1.5"):
        assert _application_errors(login, mentors=typed) == {"mentors": ["请输入整数。"]}, typed


def test_text_that_is_no_number_in_a_number_field_gets_one_message(login, world):
    for typed in ("NaN", "inf", "-Infinity", "abc"):
        errors = _application_errors(login, total_area_m2=typed, operating_years=typed)
        assert errors == {"total_area_m2": ["请输入数字。"], "operating_years": ["请输入数字。"]}, typed


def test_a_count_in_the_half_year_report_gets_one_message_too(login, space_id):
    assert _report_errors(login, workstations="NaN", funding_k="inf") == {
        "workstations": ["请输入整数。"], "funding_k": ["请输入数字。"]}


# ---- 3. an expert panel of ids that are no experts -----------------------------------------------------------


def _at_organise_review(login) -> int:
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    return open_task(application_id, "organise_review").id


PANEL_MESSAGE = "所选专家不在可选名单中，请从下方列出的专家中勾选。"


def test_letters_for_an_expert_are_told_in_chinese_which_experts_to_tick(login, world):
    task_id = _at_organise_review(login)
    torch = login("torch1")
    experts = [str(world["users"][name].id) for name in ("expert1", "expert2")]
    for picked in (["abc"], [*experts, "x1"], [*experts, "999999"]):
        response = torch.post(f"/tasks/{task_id}", {"panel_experts": picked})
        assert response.status_code == 422, picked
        assert field_errors(response.get_data(as_text=True), "panel_experts") == [PANEL_MESSAGE], picked
    # too few experts, all of them offered: the count is what is wrong
    response = torch.post(f"/tasks/{task_id}", {"panel_experts": experts})
    assert field_errors(response.get_data(as_text=True), "panel_experts") == ["请选择 3 至 9 名专家。"]


# ---- 4. one cap for every floor area ---------------------------------------------------------------------


def test_the_application_caps_an_area_as_the_change_filing_does(login, world):
    errors = _application_errors(login, total_area_m2="1000001", public_area_m2="0", controlled_area_m2="-5")
    assert errors == {"total_area_m2": [AREA_MESSAGE], "public_area_m2": [AREA_MESSAGE],
                      "controlled_area_m2": [AREA_MESSAGE]}


def test_the_largest_area_is_taken_by_the_application(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id, total_area_m2="1000000", public_area_m2="600000",
                       controlled_area_m2="1000000")
    assert open_task(application_id, "recommender_review")


def test_the_half_year_report_caps_an_area_as_the_change_filing_does(login, space_id):
    assert _report_errors(login, total_area_m2="1000001", public_area_m2="0") == {
        "total_area_m2": [AREA_MESSAGE], "public_area_m2": [AREA_MESSAGE]}


def test_the_change_filing_says_the_same(login, space_id):
    assert _change_errors(login, space_id, "1000001") == [AREA_MESSAGE]
    assert _change_errors(login, space_id, "0.0000001") == [PLACES_MESSAGE]
