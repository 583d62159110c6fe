"""Counts put into sentences on the supervisors' and designers' pages read right in English for one as for many
("1 cases on this page", "1 case(s) moved", "1 items scored" before): they go through ngettext."""

from __future__ import annotations

import re

from flask_babel import force_locale

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.supervision.audit_trail import Formatter

from .test_designer_changes import with_extra_review
from .test_designer_migration import PAGE, _instance, _waiting_at_material_review
from .test_instance_list import case


def test_the_case_list_counts_its_page_in_english(login, world):
    case(world)
    db.session.commit()
    supervisor = login("supervisor")
    page = supervisor.get("/instances?lang=en").get_data(as_text=True)
    assert re.search(r'id="list-summary">1 case on this page \(at most \d+ a page\)', page), page
    case(world)
    db.session.commit()
    assert "2 cases on this page" in supervisor.get("/instances").get_data(as_text=True)
    # and in Chinese as before
    assert "本页 2 个案件" in supervisor.get("/instances?lang=zh").get_data(as_text=True)


def test_an_experts_score_counts_its_items_in_english(app):
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert "1 item scored" in Formatter().summary({"total": 80, "items": {"a": 1}})
        assert "2 items scored" in Formatter().summary({"total": 80, "items": {"a": 1, "b": 2}})
    with app.test_request_context("/"), force_locale("zh"):
        assert "已评 1 项指标" in Formatter().summary({"total": 80, "items": {"a": 1}})


def test_moving_one_case_says_one_case_in_english(app, login, world):
    application_id = _waiting_at_material_review(login)
    deploy(with_extra_review(read_directory(app.config["BPMN_DIR"])), note="add compliance review")
    db.session.commit()
    designer = login("designer")
    designer.get(f"{PAGE}?lang=en")
    response = designer.post(PAGE, {"instances": str(_instance(application_id).id), "reason": "新增合规性复核环节"})
    assert response.status_code == 302
    followed = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 case moved to version 2:" in followed and "case(s)" not in followed
