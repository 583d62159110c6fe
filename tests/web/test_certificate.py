"""The recognition certificate (认定证书): a Chinese PDF from the dossier of a recognised space.

Who may download it is who may open the dossier; only a space that holds its recognition has one. What
is checked is what a reader of the PDF would see: its text (read back with pypdf), and the file name the
browser offers.
"""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from tests.conftest import START
from webapp.clock import clock
from webapp.extensions import db
from webapp.registry import certificate as generator

from .lifecycle import SPACE_NAME, forbidden, inbox_task, make_recognised_space, page, space, submit

ISSUER = "内蒙古自治区科学技术厅"
OPERATOR = "青城创客科技有限公司"  # organisation A of the `world` fixture


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def certificate_of(browser, space_id: int):
    return browser.get(f"/spaces/{space_id}/certificate.pdf")


def test_operator_and_staff_get_the_certificate(login, world):
    clock.freeze(START.replace(hour=1))  # 2026-03-01 17:00 UTC: the date printed is China's
    space_id = make_recognised_space(world)
    number = space(space_id).certificate_no
    assert number

    dossier = page(login("applicant_a"), f"/spaces/{space_id}")
    assert f'href="/spaces/{space_id}/certificate.pdf"' in dossier

    for name in ("applicant_a", "recommender_a", "torch1", "approver", "supervisor"):
        response = certificate_of(login(name), space_id)
        assert response.status_code == 200, (name, response.status_code)
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-")
        assert response.headers["Cache-Control"] == "no-store"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("inline;")
        assert f"filename*=UTF-8''{quote(f'认定证书-{number}.pdf')}" in disposition
        text = pdf_text(response.data)
        for expected in ("自治区众创空间", number, SPACE_NAME, OPERATOR, ISSUER, "2026年3月2日",
                         "《内蒙古自治区众创空间管理办法（试行）》"):
            assert expected in text, (name, expected, text)


def test_others_get_no_certificate(login, world):
    space_id = make_recognised_space(world)
    forbidden(login("applicant_b"), "get", f"/spaces/{space_id}/certificate.pdf")
    forbidden(login("recommender_b"), "get", f"/spaces/{space_id}/certificate.pdf")
    for guess in (space_id + 1000, "x"):
        assert certificate_of(login("applicant_a"), guess).status_code == 404
    anonymous = certificate_of(login(None), space_id)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


@pytest.mark.parametrize("status", ["rectification", "national", "national_professional"])
def test_a_space_that_keeps_its_recognition_keeps_its_certificate(login, world, status):
    space_id = make_recognised_space(world)
    space(space_id).status = status
    db.session.commit()
    response = certificate_of(login("applicant_a"), space_id)
    assert response.status_code == 200 and space(space_id).certificate_no in pdf_text(response.data)


def test_a_revoked_space_has_no_certificate(login, world):
    operator, torch, approver = login("applicant_a"), login("torch1"), login("approver")
    space_id = make_recognised_space(world)
    dossier = f"/spaces/{space_id}"
    response = torch.post(f"{dossier}/violations", {"violation_type": "blacklist",
                                                     "violation_description": "列入失信黑名单"}, from_page=dossier)
    assert response.status_code == 302
    submit(torch, inbox_task(torch, "调查核实"), {"violation_findings": "经核实，已列入失信黑名单"})
    submit(approver, inbox_task(approver, "撤销决定"), {"revoke": "yes", "decision_reason": "列入失信黑名单（R22）"})
    assert space(space_id).status == "revoked"

    assert f"{dossier}/certificate.pdf" not in page(operator, dossier)
    for browser in (operator, torch):
        response = certificate_of(browser, space_id)
        assert response.status_code == 302 and response.headers["Location"].endswith(dossier)
        assert response.mimetype != "application/pdf"
    # the reason is flashed on the dossier the user lands on (English until the catalog has it)
    landing = page(operator, dossier)
    assert "so it has no certificate" in landing or "不能下载认定证书" in landing


def test_a_space_that_left_has_no_certificate(login, world):
    space_id = make_recognised_space(world)
    space(space_id).status = "left"
    db.session.commit()
    response = certificate_of(login("torch1"), space_id)
    assert response.status_code == 302


@pytest.mark.parametrize("font", [None, generator.CID_FONT])
def test_long_names_fit_and_markup_is_text(font):
    """Names wrap and the type shrinks rather than running off the page; <, & are printed as typed."""
    name = "内蒙古自治区呼和浩特市赛罕区大学生创新创业与乡村振兴融合发展众创空间" * 3
    data = generator.certificate_pdf(certificate_no="NMZC-2026-0012", space_name=name,
                                     operator="A & B <创客> 有限公司", recognised_on=date(2026, 12, 31), font=font)
    text = pdf_text(data)
    assert "A & B <创客> 有限公司" in text and "2026年12月31日" in text and ISSUER in text
    assert name.replace(" ", "") in text.replace("\n", "").replace(" ", "")
