"""A recommendation letter (推荐函) and an evaluation result (绩效考核结果) as one-page A4 PDFs with Chinese text.

Plain values in, bytes out: no database, no request. The font is the certificate's (webapp/registry/
certificate.py: the embedded AR PL UMing when installed, else the CID font STSong-Light), so every document
the system prints looks alike and the text stays Unicode, selectable and searchable.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from webapp.registry.certificate import ISSUER, REGULATION, chinese_date, default_font

CREATOR = "内蒙古自治区众创空间认定与管理系统"
GRID = HexColor("#999999")


@dataclass
class _Styles:
    font: str
    title: ParagraphStyle = field(init=False)
    body: ParagraphStyle = field(init=False)
    cell: ParagraphStyle = field(init=False)
    right: ParagraphStyle = field(init=False)

    def __post_init__(self) -> None:
        def style(size: float, **kw) -> ParagraphStyle:
            return ParagraphStyle("s", fontName=self.font, fontSize=size, leading=size * 1.6, wordWrap="CJK", **kw)

        self.title = style(20, alignment=TA_CENTER, spaceAfter=10 * mm)
        self.body = style(12, alignment=TA_JUSTIFY, firstLineIndent=24, spaceAfter=4 * mm)
        self.cell = style(11)
        self.right = style(12, alignment=TA_RIGHT)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # escape, then keep the writer's line breaks
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _fields(rows: list[tuple[str, str]], styles: _Styles, width: float) -> Table:
    table = Table([[_p(label, styles.cell), _p(value, styles.cell)] for label, value in rows],
                  colWidths=[32 * mm, width - 32 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), HexColor("#f2f2f2")),
    ]))
    return table


def _document(title: str, subject: str, story: list, author: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm,
                            bottomMargin=25 * mm, title=title, author=author, subject=subject, creator=CREATOR)
    doc.build(story)
    return buffer.getvalue()


def recommendation_letter_pdf(*, space_name: str, applicant: str, unit: str, letter: str, signed_on: date,
                              round_title: str = "", font: str | None = None) -> bytes:
    """The letter the recommending unit wrote when it recommended the application (Art. 8)."""
    styles = _Styles(font or default_font())
    width = A4[0] - 50 * mm
    facts = [("众创空间名称", space_name), ("申报单位", applicant), ("推荐单位", unit)]
    if round_title:
        facts.append(("申报批次", round_title))
    story = [
        _p("推　荐　函", styles.title),
        _p("内蒙古自治区科学技术厅、自治区火炬中心：", styles.cell),
        Spacer(0, 4 * mm),
        _p(f"根据{REGULATION}，我单位对下列申报单位的众创空间认定申请进行了审核，推荐意见如下。", styles.body),
        _fields(facts, styles, width),
        Spacer(0, 6 * mm),
        _p(letter, styles.body),
        Spacer(0, 12 * mm),
        _p(f"推荐单位：{unit}", styles.right),
        _p(chinese_date(signed_on), styles.right),
    ]
    return _document(f"推荐函 {space_name}", f"{space_name}（{applicant}）", story, unit)


def evaluation_result_pdf(*, space_name: str, operator: str, certificate_no: str, unit: str, evaluated_on: date,
                          score: str, grade: str, notes: list[str], comments: list[str], consequence: str = "",
                          font: str | None = None) -> bytes:
    """A space's three-yearly performance evaluation result (绩效考核结果, Art. 18–19): score, grade, what a
    failed grade means for the space (`consequence`), and the experts' comments (no names). The regulation's
    and the rest of the system's words: 绩效考核, 考核等级."""
    styles = _Styles(font or default_font())
    width = A4[0] - 50 * mm
    rows = [("众创空间名称", space_name), ("运营机构", operator), ("证书编号", certificate_no), ("推荐单位", unit),
            ("考核日期", chinese_date(evaluated_on)), ("考核得分", score), ("考核等级", grade)]
    rows += [("说明", note) for note in notes]
    story = [
        _p("自治区众创空间绩效考核结果", styles.title),
        _p(f"根据{REGULATION}第十八条、第十九条，现将该众创空间的绩效考核结果通知如下。", styles.body),
        _fields(rows, styles, width),
        Spacer(0, 6 * mm),
    ]
    if consequence:
        story += [_p(consequence, styles.body), Spacer(0, 2 * mm)]
    if comments:
        story.append(_p("专家意见：", styles.cell))
        story += [_p(f"{i}. {comment}", styles.body) for i, comment in enumerate(comments, start=1)]
    story += [Spacer(0, 12 * mm), _p(ISSUER, styles.right), _p(chinese_date(evaluated_on), styles.right)]
    return _document(f"绩效考核结果 {space_name}", f"{space_name}（{operator}）", story, ISSUER)
