"""The evaluation result as a PDF (found walking the demo): it spoke of 评估结果 and 评估等级 where the rest of the
system and the regulation say 绩效考核 (考核结果, 考核等级), and a failed result did not say what follows from it,
which the operator's notice does: a year of rectification and its last day, or, after the review at the end of
that year, the loss of the space's recognition (Art. 19.3). Read as its reader would: the PDF's text."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests.engine.test_lifecycle_scenarios import (
    end_result_notice,
    expert_score,
    first_evaluation,
    live_until,
)
from webapp.clock import clock
from webapp.engine.sandbox import last_day
from webapp.extensions import db
from webapp.models import Evaluation, MakerSpace, User
from webapp.simulation import Harness

from .conftest import PASSWORD, Browser


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    # without the spaces and line breaks that text extraction puts where the lines of a paragraph wrap
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages))


def result_pdf(reader: Browser, evaluation: Evaluation) -> str:
    return pdf_text(reader.get(f"/evaluations/{evaluation.id}/result.pdf"))


@pytest.fixture
def reader(app) -> Browser:
    """A supervisor: reads every space's results (the world fixture's accounts would clash with the harness's)."""
    db.session.add(User(username="reader", display_name="监督人员", role="supervisor",
                        password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")))
    db.session.commit()
    return Browser(app, "reader")


def graded(h, experts, total: float) -> Evaluation:
    """The evaluation waiting at the self-assessment, through to the published result (its notice running)."""
    h.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    h.complete("evaluation_material_review", materials_false=False, material_comments="材料齐全、真实")
    h.complete("organise_evaluation", panel_experts=list(experts))
    for expert in experts:
        h.complete("evaluation_score", assignee=expert, expert_score=expert_score(expert, total))
    h.complete("confirm_grade")
    db.session.expire_all()
    return db.session.scalars(select(Evaluation).order_by(Evaluation.id.desc())).first()


def test_a_result_speaks_of_the_performance_evaluation_and_its_grade(app, reader):
    harness = Harness()
    h = first_evaluation(harness)
    text = result_pdf(reader, graded(h, harness.expert_ids[:3], 75))
    for expected in ("自治区众创空间绩效考核结果", "绩效考核结果通知如下", "考核日期", "考核得分", "75.00", "考核等级", "良好"):
        assert expected in text, (expected, text)
    assert "评估" not in text, text
    assert "整改" not in text and "取消" not in text, text  # a passing grade has no such consequence


def test_a_failed_result_states_the_year_of_rectification_and_its_last_day_then_the_revocation(app, reader):
    harness = Harness()
    experts = harness.expert_ids[:3]
    h = first_evaluation(harness)
    failed = graded(h, experts, 40)
    while_noticed = result_pdf(reader, failed)
    end_result_notice(h)
    assert h.space_status == "rectification"
    last = last_day(h.data["rectification_ends"])  # as the lifecycle diagram set it when the notice ended
    for text in (while_noticed, result_pdf(reader, failed)):
        assert "考核等级不合格" in text, text
        assert f"限期整改，整改期为一年，自考核结果公示期满起算，至{last}（含当日）止" in text, text
        assert "整改期满仍未达到合格标准的，取消其众创空间资格（第十九条第三项）" in text, text

    live_until(h, "self_assessment")  # the review at the end of the year of rectification
    review = graded(h, experts, 45)
    text = result_pdf(reader, review)
    assert "本次为整改期满后的复核考核，仍未达到合格标准，公示期满后取消其众创空间资格（第十九条第三项）" in text, text
    assert "限期整改" not in text, text
    end_result_notice(h)
    assert h.space_status == "revoked"
    assert "公示期满后取消其众创空间资格" in result_pdf(reader, review)


def test_a_withdrawn_failed_result_states_no_consequence(app, reader):
    harness = Harness()
    space = db.session.get(MakerSpace, harness.recognised_space().instance.subject_id)
    evaluation = Evaluation(space_id=space.id, score=40, grade="fail", comments=[], at=clock.now(), withdrawn=True)
    db.session.add(evaluation)
    db.session.commit()
    text = result_pdf(reader, evaluation)
    assert "公示期间异议成立，该结果已撤回" in text, text
    assert "整改" not in text and "取消" not in text, text


def test_the_registry_exports_speak_of_the_performance_evaluation(app, reader):
    from openpyxl import load_workbook

    harness = Harness()
    graded(first_evaluation(harness), harness.expert_ids[:3], 75)
    assert "导出绩效考核结果（.xlsx）" in reader.get("/spaces").get_data(as_text=True)
    book = load_workbook(io.BytesIO(reader.get("/evaluations/export.xlsx").data))
    sheet = book.active
    assert sheet.title == "绩效考核结果"
    assert [c.value for c in sheet[1]][3:6] == ["考核日期", "考核得分", "考核等级"]
    registry = load_workbook(io.BytesIO(reader.get("/spaces/export.xlsx").data)).active
    assert [c.value for c in registry[1]][-1] == "下次考核"


def test_a_designer_s_half_year_of_rectification_is_the_one_the_case_the_notice_and_the_pdf_name(app, reader):
    """The length of rectification is the diagram's: a designer who writes P6M for the shipped P1Y gets a
    rectification ending half a year after the result takes effect, and the operator's notice of the result
    and the result's PDF name that day and that length (they counted a year of their own)."""
    from webapp.engine.definitions import deploy, read_directory
    from webapp.engine.sandbox import add_duration
    from webapp.models import Notification

    files = read_directory("bpmn")
    # the publishing step's parameter (进入整改期 keeps "P1Y" only for results that carry no length)
    period = '<spiffworkflow:parameter id="rectification_period" type="str" value="&quot;P1Y&quot;" />'
    assert files["lifecycle.bpmn"].count(period) == 1
    deploy({**files, "lifecycle.bpmn": files["lifecycle.bpmn"].replace(period, period.replace("P1Y", "P6M"))},
           note="整改期六个月")
    db.session.commit()
    harness = Harness()
    h = first_evaluation(harness)
    db.session.add(User(username="operator", display_name="运营机构", role="applicant",
                        organisation_id=h.instance.organisation_id, password_hash="-"))
    db.session.commit()
    failed = graded(h, harness.expert_ids[:3], 40)
    told = " ".join(db.session.scalars(select(Notification.text)).all())
    while_noticed = result_pdf(reader, failed)
    end_result_notice(h)
    assert h.space_status == "rectification"
    ends = h.data["rectification_ends"]
    assert ends == add_duration(h.data["evaluation_result"]["result_effective"], "P6M")
    last = last_day(ends)
    assert f"公示期满后进入为期六个月的整改期，至 {last}（含当日）止" in told, told
    for text in (while_noticed, result_pdf(reader, failed)):
        assert f"限期整改，整改期为六个月，自考核结果公示期满起算，至{last}（含当日）止" in text, text
        assert "一年" not in text, text
