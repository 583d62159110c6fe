"""The diagram is the program: a designer's edit changes behaviour with no Python change, and running
cases stay on the version they started with."""

import re
from pathlib import Path

from sqlalchemy import select

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import Application, ProcessInstance

from .flow import complete, open_task, start_application, submit_application

EXTRA_TASK = """
    <bpmn:userTask id="compliance_review" name="合规性复核">
      <bpmn:documentation>新增环节：火炬中心复核申报材料的合规性。</bpmn:documentation>
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="recognition.compliance_review" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_material_complete</bpmn:incoming>
      <bpmn:outgoing>Flow_compliance_done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_compliance_done" sourceRef="compliance_review" targetRef="organise_review" />
"""


def with_extra_review(files: dict) -> dict:
    xml = files["recognition.bpmn"]
    xml = xml.replace('sourceRef="gw_material" targetRef="organise_review"', 'sourceRef="gw_material" targetRef="compliance_review"')
    xml = xml.replace("<bpmn:incoming>Flow_material_complete</bpmn:incoming>\n      <bpmn:outgoing>Flow_organise_split",
                      "<bpmn:incoming>Flow_compliance_done</bpmn:incoming>\n      <bpmn:outgoing>Flow_organise_split")
    xml = xml.replace('<bpmn:flowNodeRef>organise_review</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>organise_review</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>compliance_review</bpmn:flowNodeRef>')
    xml = xml.replace('<bpmn:userTask id="organise_review"', EXTRA_TASK + '    <bpmn:userTask id="organise_review"', 1)
    assert xml.count("compliance_review") >= 5
    return {**files, "recognition.bpmn": xml}


def recommend_and_check_materials(login, application_id):
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"), {"material_decision": "complete"})


def test_an_added_review_step_reaches_the_torch_center_inbox(app, login, world):
    old_id = start_application(login("applicant_a"), "旧版本上的申报")
    submit_application(login, old_id)

    bundle = deploy(with_extra_review(read_directory(app.config["BPMN_DIR"])), note="add compliance review")
    db.session.commit()
    assert bundle.version == 2

    new_id = start_application(login("applicant_a"), "新版本上的申报")
    submit_application(login, new_id)
    for application_id in (old_id, new_id):
        recommend_and_check_materials(login, application_id)

    # the new case waits in the new step, shown in the Torch Center's inbox with its generic form
    inbox = login("torch2").get("/").get_data(as_text=True)
    assert "合规性复核" in inbox
    task = open_task(new_id, "compliance_review")
    assert task.lane == "torch_center" and task.form_key == "recognition.compliance_review"
    page = login("torch2").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "新增环节" in page and 'name="comment"' in page
    complete(login("torch2"), task, {"comment": "合规"})
    assert open_task(new_id, "organise_review")

    # the case started before the deploy stays on version 1 and never sees the new step
    assert open_task(old_id, "organise_review")
    versions = {a.id: a.instance.bundle.version for a in db.session.scalars(select(Application))}
    assert versions == {old_id: 1, new_id: 2}


def test_moving_a_threshold_in_the_decision_table_changes_eligibility(app, login, world):
    files = read_directory(app.config["BPMN_DIR"])
    strict_id = start_application(login("applicant_a"), "门槛500")
    submit_application(login, strict_id, controlled_area_m2="450", total_area_m2="450", public_area_m2="225")
    assert open_task(strict_id, "submit_application")  # returned: below 500 m²

    dmn = re.sub(r"&lt;\s*500\b", "&lt; 400", files["eligibility.dmn"])
    assert dmn != files["eligibility.dmn"]
    deploy({**files, "eligibility.dmn": dmn}, note="area threshold 400")
    db.session.commit()
    relaxed_id = start_application(login("applicant_a"), "门槛400")
    submit_application(login, relaxed_id, controlled_area_m2="450", total_area_m2="450", public_area_m2="225")
    assert open_task(relaxed_id, "recommender_review")
    instance = db.session.get(ProcessInstance, db.session.get(Application, relaxed_id).instance_id)
    assert instance.bundle.version == 2


def test_same_content_is_not_a_new_version(app):
    files = read_directory(app.config["BPMN_DIR"])
    assert deploy(files).version == 1
    assert Path(app.config["BPMN_DIR"]).joinpath("recognition.bpmn").exists()


def test_panel_size_comes_from_the_diagram(app, login, world):
    files = read_directory(app.config["BPMN_DIR"])
    smaller = files["recognition.bpmn"].replace(
        '<spiffworkflow:property name="minExperts" value="3" />', '<spiffworkflow:property name="minExperts" value="2" />')
    assert smaller != files["recognition.bpmn"]
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    recommend_and_check_materials(login, application_id)
    two = [str(world["users"][n].id) for n in ("expert1", "expert2")]
    task = open_task(application_id, "organise_review")
    assert login("torch1").post(f"/tasks/{task.id}", {"panel_experts": two}).status_code == 422  # version 1: 3

    deploy({**files, "recognition.bpmn": smaller}, note="panels of two")
    db.session.commit()
    new_id = start_application(login("applicant_a"), "两人评审")
    submit_application(login, new_id)
    recommend_and_check_materials(login, new_id)
    complete(login("torch1"), open_task(new_id, "organise_review"), {"panel_experts": two})
    assert open_task(new_id, "expert_review", world["users"]["expert1"].id)


DECIDING_TASK = """
    <bpmn:userTask id="compliance_review" name="合规性复核">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="recognition.compliance_review" />
          <spiffworkflow:property name="field.compliant" value="yesno|材料是否合规" />
          <spiffworkflow:property name="field.basis" value="choice|依据|rules=管理制度;lease=租赁合同" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_material_complete</bpmn:incoming>
      <bpmn:outgoing>Flow_compliance_done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw_compliance" name="是否合规" default="Flow_not_compliant" />
    <bpmn:sequenceFlow id="Flow_compliance_done" sourceRef="compliance_review" targetRef="gw_compliance" />
    <bpmn:sequenceFlow id="Flow_compliant" sourceRef="gw_compliance" targetRef="organise_review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">compliant == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_not_compliant" sourceRef="gw_compliance" targetRef="supplement_materials" />
"""


def test_a_step_with_fields_declared_in_the_diagram_feeds_a_gateway(app, login, world):
    files = read_directory(app.config["BPMN_DIR"])
    xml = with_extra_review(files)["recognition.bpmn"]
    start, end = xml.index('    <bpmn:userTask id="compliance_review"'), xml.index('    <bpmn:userTask id="organise_review"')
    xml = xml[:start] + DECIDING_TASK + xml[end:]
    xml = xml.replace("<bpmn:incoming>Flow_compliance_done</bpmn:incoming>\n      <bpmn:outgoing>Flow_organise_split",
                      "<bpmn:incoming>Flow_compliant</bpmn:incoming>\n      <bpmn:outgoing>Flow_organise_split")
    deploy({**files, "recognition.bpmn": xml}, note="compliance review with a decision")
    db.session.commit()

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    recommend_and_check_materials(login, application_id)
    task = open_task(application_id, "compliance_review")
    page = login("torch1").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "材料是否合规" in page and "租赁合同" in page
    assert login("torch1").post(f"/tasks/{task.id}", {"basis": "rules"}).status_code == 422  # compliant missing
    complete(login("torch1"), task, {"compliant": "no", "basis": "lease"})
    assert open_task(application_id, "supplement_materials")  # the gateway read the declared field


def test_a_step_shows_what_the_diagram_asks_it_to_show(app, login, world):
    files = read_directory(app.config["BPMN_DIR"])
    xml = files["recognition.bpmn"].replace(
        '<spiffworkflow:property name="formKey" value="recognition.material_review" />',
        '<spiffworkflow:property name="formKey" value="recognition.material_review" />\n'
        '          <spiffworkflow:property name="show.recommendation_letter" value="推荐函（供材料审核参考）" />')
    assert xml != files["recognition.bpmn"]
    deploy({**files, "recognition.bpmn": xml}, note="material review shows the letter")
    db.session.commit()
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "特此推荐，请予审核", "recommender_comments": ""})
    page = login("torch1").get(f"/tasks/{open_task(application_id, 'material_review').id}").get_data(as_text=True)
    assert "推荐函（供材料审核参考）" in page and "特此推荐，请予审核" in page
