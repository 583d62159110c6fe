"""The caps on base and bonus (Art. 19.1: 100 and 20) are parameters of the diagram's combining step
(combine_panel_scores, base_max / bonus_max). The pages that ask for scores say the diagram's caps and the
forms refuse more, so a designer who lowers the bonus cap needs no Python change to be obeyed and explained."""

from __future__ import annotations

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from .conftest import pdf
from .flow import open_task, start_application, submit_application, user
from .lifecycle import field_errors, inbox_task, page, submit
from .test_designer_changes import recommend_and_check_materials
from .test_lifecycle_evaluation_web import live_until_self_assessment

BONUS_20 = '<spiffworkflow:parameter id="bonus_max" type="float" value="20" />'
BONUS_10 = '<spiffworkflow:parameter id="bonus_max" type="float" value="10" />'
EXPERTS = ("expert1", "expert2", "expert3")


def with_bonus_cap_10(app, file_name: str) -> None:
    files = read_directory(app.config["BPMN_DIR"])
    assert BONUS_20 in files[file_name]
    deploy({**files, file_name: files[file_name].replace(BONUS_20, BONUS_10)}, note="bonus up to 10")
    db.session.commit()


def to_recognition_scoring(login, world, name: str) -> int:
    application_id = start_application(login("applicant_a"), name)
    submit_application(login, application_id)
    recommend_and_check_materials(login, application_id)
    submit(login("torch1"), open_task(application_id, "organise_review").id,
           {"panel_experts": [str(user(world, n).id) for n in EXPERTS]})
    return open_task(application_id, "expert_review", user(world, "expert1").id).id


def test_the_recognition_score_form_takes_the_bonus_cap_from_the_diagram(app, login, world):
    expert = login("expert1")
    shipped = to_recognition_scoring(login, world, "按规定封顶")
    assert "附加分（0–20）" in page(expert, f"/tasks/{shipped}") and "基础分（0–100）" in page(expert, f"/tasks/{shipped}")

    with_bonus_cap_10(app, "recognition.bpmn")
    task_id = to_recognition_scoring(login, world, "附加分十分封顶")
    assert "附加分（0–10）" in page(expert, f"/tasks/{task_id}")
    response = expert.post(f"/tasks/{task_id}", {"base": "80", "bonus": "15", "comments": "附加分超出"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "bonus")
    submit(expert, task_id, {"base": "80", "bonus": "10", "comments": "附加分封顶"})


def test_the_evaluation_pages_say_the_diagrams_caps(app, login, world, space_id):
    with_bonus_cap_10(app, "lifecycle.bpmn")  # before the space's evaluation starts
    operator = login("applicant_a")
    task_id, _ = live_until_self_assessment(login, space_id)
    html = page(operator, f"/tasks/{task_id}")
    assert "加附加分（不超过 10 分）" in html and "自评得分（0–110）" in html
    response = operator.post(f"/tasks/{task_id}", {"self_assessment": "自评", "self_score": "115",
                                                   "file_assessment_materials": pdf("自评.pdf")})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "self_score")
    submit(operator, task_id, {"self_assessment": "自评", "self_score": "108", "file_assessment_materials": pdf("自评.pdf")})
    torch = login("torch1")
    submit(torch, inbox_task(torch, "考核材料审核"), {"materials_false": "no", "material_comments": "齐全"})
    submit(torch, inbox_task(torch, "组织考核专家评分"), {"panel_experts": [str(user(world, n).id) for n in EXPERTS]})
    expert = login("expert1")
    sheet_page = page(expert, f"/tasks/{inbox_task(expert, '专家考核评分')}")
    assert "附加分最多计 10 分" in sheet_page
    running = sheet_page.split('id="sheet-total"', 1)[1].split(">", 1)[0]
    assert 'data-bonus-max="10"' in running and 'data-base-max="100"' in running


def test_a_score_with_more_than_two_decimals_is_refused(login, world):
    """An outside probe: base 99.999 was kept as typed while the total showed 100.00. Scores, areas and other
    amounts take at most two decimals, and say so."""
    expert = login("expert1")
    task_id = to_recognition_scoring(login, world, "三位小数")
    response = expert.post(f"/tasks/{task_id}", {"base": "99.999", "bonus": "0", "comments": "三位小数"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "base") == ["最多保留2位小数，请改正后再提交。"]
    submit(expert, task_id, {"base": "99.990", "bonus": "0.5", "comments": "两位小数"})
