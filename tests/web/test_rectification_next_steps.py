"""A space under rectification (整改中) told its operator only 整改期（至 2027-09-04） on the space page (found by an
outside tester). The page now says what follows, in the lifecycle diagram's words — the documentation of the
waiting event 整改期 — beside where the case stands: when the period ends the space is evaluated again (复核考核),
what to prepare, that late or false materials count as a fail (Art. 19.4), and that failing again revokes the
recognition (Art. 19.3). A waiting event's documentation is shown the same way for any diagram."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from werkzeug.security import generate_password_hash

from tests.engine.test_lifecycle_scenarios import end_result_notice, first_evaluation, space_id_of
from webapp.extensions import db
from webapp.models import User
from webapp.simulation import Harness

from .conftest import PASSWORD, Browser
from .test_evaluation_result_pdf import graded

LIFECYCLE = Path(__file__).resolve().parents[2] / "bpmn" / "lifecycle.bpmn"


def waiting_event_words(element_id: str) -> str:
    """The documentation of a waiting event of the shipped lifecycle diagram, as the page shows it."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    [doc] = etree.parse(str(LIFECYCLE)).xpath(f"//bpmn:intermediateCatchEvent[@id='{element_id}']/bpmn:documentation",
                                             namespaces=ns)
    return doc.text.strip()


def where_it_stands(html: str) -> str:
    found = re.search(r'<table class="list" id="where-it-stands">(.*?)</table>', html, re.S)
    assert found, "no table of where the cases stand"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.fixture
def harness(app) -> Harness:
    return Harness()


@pytest.fixture
def operator(app):
    """An account of the harness's operating organisation (the world fixture's accounts would clash with it)."""
    def make(organisation_id: int) -> Browser:
        db.session.add(User(username="operator", display_name="运营机构", role="applicant", organisation_id=organisation_id,
                            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")))
        db.session.commit()
        return Browser(app, "operator")
    return make


def test_a_space_under_rectification_is_told_what_follows_the_period(app, harness, operator):
    h = first_evaluation(harness)
    graded(h, harness.expert_ids[:3], 40)
    end_result_notice(h)
    assert h.space_status == "rectification"
    browser = operator(harness.organisation.id)

    stands = where_it_stands(browser.get(f"/spaces/{space_id_of(h)}").get_data(as_text=True))
    assert "整改期（至 " in stands, stands
    for words in ("复核考核", "自评报告及佐证材料", "视为不合格", "第十九条第四项", "取消其众创空间资格", "第十九条第三项"):
        assert words in stands, (words, stands)
    # the diagram's own words: a designer who changes them changes the page
    assert re.sub(r"\s+", " ", waiting_event_words("wait_rectification")) in stands


def test_a_space_waiting_for_its_next_report_period_reads_no_rectification_words(app, harness, operator):
    h = harness.recognised_space()
    stands = where_it_stands(operator(harness.organisation.id).get(f"/spaces/{space_id_of(h)}").get_data(as_text=True))
    assert "复核考核" not in stands and "整改" not in stands, stands
