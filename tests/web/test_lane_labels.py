"""Lanes read by their roles' labels in the diagram viewers — the case page's, and the designer's version and
comparison views — not as the diagram names them for the engine (科技厅 (approver) showed "(approver)"). The
editor and downloads keep the file as stored: the role in brackets is what the engine reads."""

from __future__ import annotations

import re

from flask_babel import force_locale
from lxml import etree
from sqlalchemy import select

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.labels import lane_label
from webapp.models import Application

from .flow import start_application, submit_application

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
RAW_ROLE = re.compile(r"\((applicant|recommender|torch_center|expert|approver)\)")


def lanes(xml: bytes) -> dict[str, str]:
    return {lane.get("id"): lane.get("name") for lane in etree.fromstring(xml).iter(f"{BPMN}lane")}


def test_a_lane_reads_as_its_role(app):
    with app.test_request_context("/"), force_locale("zh"):
        assert lane_label("科技厅 (approver)") == "科技厅"
        assert lane_label("评审专家 (expert)") == "评审专家"
        assert lane_label("(approver)") == "科技厅" and lane_label("approver") == "科技厅"
        assert lane_label("审批组 (approver)") == "审批组（科技厅）"
        assert lane_label("火炬中心(torch_center) ") == "火炬中心"
        assert lane_label("评审组 (reviewer)") == "评审组 (reviewer)"  # no such role: as named
        assert lane_label("备注") == "备注" and lane_label(None) == ""


def test_the_case_page_diagram_names_lanes_by_their_roles(app, login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    instance_id = db.session.scalar(select(Application.instance_id).where(Application.id == application_id))
    response = login("supervisor").get(f"/instances/{instance_id}/diagram.xml")
    assert response.status_code == 200 and "Cookie" in response.headers["Vary"]
    assert lanes(response.data) == {"Lane_applicant": "申报单位", "Lane_recommender": "推荐单位",
                                    "Lane_torch_center": "火炬中心", "Lane_expert": "评审专家", "Lane_approver": "科技厅"}
    text = response.data.decode("utf-8")
    assert not RAW_ROLE.search(text)
    assert 'id="recommender_review"' in text and "<bpmndi:BPMNShape" in text  # the rest as stored


def test_the_designer_views_name_lanes_by_their_roles_and_the_editor_keeps_the_file(app, login, world):
    designer = login("designer")
    page = designer.get("/designer/versions/1?file=recognition.bpmn").get_data(as_text=True)
    url = re.search(r'id="canvas"[^>]*data-xml-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    viewed = designer.get(url).data
    assert lanes(viewed)["Lane_approver"] == "科技厅" and not RAW_ROLE.search(viewed.decode("utf-8"))
    # the editor loads the file as stored: the role in brackets is what the engine and the role field read
    editor = designer.get("/designer/edit/recognition.bpmn").get_data(as_text=True)
    url = re.search(r'id="canvas"[^>]*data-xml-url="([^"]+)"', editor).group(1).replace("&amp;", "&")
    assert lanes(designer.get(url).data)["Lane_approver"] == "科技厅 (approver)"
    download = designer.get("/designer/versions/1/files/recognition.bpmn/download").data
    assert lanes(download)["Lane_approver"] == "科技厅 (approver)"
    # a comparison of two versions draws both with the roles' labels
    files = read_directory(app.config["BPMN_DIR"])
    deploy({**files, "recognition.bpmn": files["recognition.bpmn"].replace('name="填写并提交申报书"', 'name="填写申报书"')},
           note="申报书环节改名")
    db.session.commit()
    diff = designer.get("/designer/diff?from=1&to=2").get_data(as_text=True)
    urls = [u.replace("&amp;", "&") for u in re.findall(r'data-(?:old|new)-xml-url="([^"]+)"', diff)]
    assert len(urls) == 2
    for url in urls:
        viewed = designer.get(url).data
        assert lanes(viewed)["Lane_approver"] == "科技厅" and not RAW_ROLE.search(viewed.decode("utf-8"))


def test_in_english_a_lane_reads_as_its_role_in_english(app):
    """The lanes' own words are the diagram's Chinese: 科技厅 (approver) read 科技厅（Science and Technology
    Department） on English pages. Words that only name the role give way to the role's English name."""
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert lane_label("科技厅 (approver)") == "Science and Technology Department"
        assert lane_label("火炬中心(torch_center) ") == "Torch Center"
        assert lane_label("推荐单位 (recommender)") == "Recommending unit"
        assert lane_label("(expert)") == "Expert" and lane_label("applicant") == "Applicant"
        # words of the diagram's own that say more than the role stay, the role in English beside them
        assert lane_label("审批组 (approver)") == "审批组 (Science and Technology Department)"
        assert lane_label("评审组 (reviewer)") == "评审组 (reviewer)"  # no such role: as named


def test_the_case_page_diagram_names_lanes_in_english_for_an_english_reader(app, login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    instance_id = db.session.scalar(select(Application.instance_id).where(Application.id == application_id))
    response = login("supervisor").get(f"/instances/{instance_id}/diagram.xml?lang=en")
    assert lanes(response.data) == {
        "Lane_applicant": "Applicant", "Lane_recommender": "Recommending unit", "Lane_torch_center": "Torch Center",
        "Lane_expert": "Expert", "Lane_approver": "Science and Technology Department"}
