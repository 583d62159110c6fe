"""The recognition certificate (认定证书) of a maker space, as a one-page A4 landscape PDF.

Plain values in, bytes out: no database, no request.

The font: AR PL UMing CN (a Song/Ming typeface, Arphic Public License, which allows embedding) when the
machine has it (Debian's fonts-arphic-uming, which scripts/test installs); its glyphs are embedded as a
subset, so the certificate prints the same in every reader. Without it, reportlab's built-in CID font
STSong-Light: the PDF then names the font and the reader supplies Song glyphs (every reader on a Chinese
system does), which needs nothing installed but leaves the look to the reader; some readers (poppler)
show a box for the half-width middle dot "·" in that case. Either way the text is Unicode, selectable and
searchable.
"""

from __future__ import annotations

import functools
import io
import os
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor, black
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

CID_FONT = "STSong-Light"
EMBEDDED_FONT = "ARPLUMingCN"
EMBEDDED_FONT_FILES = (("/usr/share/fonts/truetype/arphic/uming.ttc", 0),)  # subfont 0: AR PL UMing CN
ISSUER = "内蒙古自治区科学技术厅"
REGULATION = "《内蒙古自治区众创空间管理办法（试行）》"
RED = HexColor("#9b1c1c")
GOLD = HexColor("#b8860b")

pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))


@functools.cache
def default_font() -> str:
    """The embedded TrueType font if installed (registered once per process, ~0.3 s), else the CID font."""
    for path, index in EMBEDDED_FONT_FILES:
        if os.path.isfile(path):
            try:
                pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=index))
                return EMBEDDED_FONT
            except (TTFError, OSError):
                continue
    return CID_FONT


def chinese_date(day: date) -> str:
    """2026年3月2日 (no leading zeros, as on official documents)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _body(font: str, size: float, space_name: str, operator: str, width: float) -> list[tuple[Paragraph, float]]:
    """The paragraphs of the body at one type size, each with the gap above it."""
    def style(**kw):
        return ParagraphStyle("c", fontName=font, fontSize=size, leading=size * 1.6, alignment=TA_JUSTIFY,
                              textColor=black, wordWrap="CJK", **kw)

    field = style(leftIndent=5 * size, firstLineIndent=-5 * size)  # wrapped lines align after "空间名称："
    paragraphs = [
        (Paragraph(escape(f"空间名称：{space_name}"), field), 0),
        (Paragraph(escape(f"运营机构：{operator}"), field), size * 0.5),
        (Paragraph(escape(f"经审核，该空间符合{REGULATION}规定的条件，被认定为自治区众创空间。特发此证。"),
                   style(firstLineIndent=2 * size)), size * 1.5),
    ]
    for paragraph, _ in paragraphs:
        paragraph.wrap(width, 10_000)
    return paragraphs


def certificate_pdf(*, certificate_no: str, space_name: str, operator: str, recognised_on: date,
                    font: str | None = None) -> bytes:
    """The certificate of a space recognised on `recognised_on` (a date in China time)."""
    font = font or default_font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"自治区众创空间证书 {certificate_no}")
    canvas.setAuthor(ISSUER)
    canvas.setSubject(f"{space_name}（{operator}）")
    canvas.setCreator("内蒙古自治区众创空间认定与管理系统")

    # frame: a thick red rule, a thin gold one inside it, small squares at the inner corners
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(6)
    canvas.rect(28, 28, width - 56, height - 56)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(40, 40, width - 80, height - 80)
    canvas.setFillColor(GOLD)
    for cx, cy in ((40, 40), (width - 40, 40), (40, height - 40), (width - 40, height - 40)):
        canvas.rect(cx - 5, cy - 5, 10, 10, stroke=0, fill=1)

    # title and number
    canvas.setFillColor(RED)
    canvas.setFont(font, 30)
    canvas.drawCentredString(width / 2, height - 112, "自治区众创空间")
    canvas.setFont(font, 46)
    canvas.drawCentredString(width / 2, height - 172, "证　书")
    canvas.setFillColor(black)
    canvas.setFont(font, 13)
    canvas.drawRightString(width - 110, height - 210, f"证书编号：{certificate_no}")

    # body: one type size for all of it, the largest (up to 18 pt) at which it fits above the issuer
    left, text_width, top, bottom = 110, width - 220, height - 240, 170
    for size in range(18, 7, -1):
        paragraphs = _body(font, size, space_name, operator, text_width)
        if sum(p.height + gap for p, gap in paragraphs) <= top - bottom:
            break
    y = top
    for paragraph, gap in paragraphs:
        y -= gap + paragraph.height
        paragraph.drawOn(canvas, left, y)

    # issuer and date, bottom right, with room above them for the seal
    canvas.setFont(font, 18)
    right = width - 170
    canvas.drawCentredString(right, 126, ISSUER)
    canvas.drawCentredString(right, 96, chinese_date(recognised_on))

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
