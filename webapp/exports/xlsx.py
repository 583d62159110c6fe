"""Tables as .xlsx workbooks (openpyxl). Plain values in, bytes out: no database, no request.

Headers are Chinese whatever the viewer's language, as on the office's own forms: the file is a document
handed on to others, like the certificate."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from webapp.clock import CHINA

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def _cell(value):
    """openpyxl refuses aware datetimes: write them as China time, which is what people read."""
    if isinstance(value, datetime):
        return value.astimezone(CHINA).replace(tzinfo=None) if value.tzinfo else value
    return value


def workbook(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence], *,
             widths: Sequence[int] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]  # Excel's limit on sheet names
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif cell.data_type == "f":  # openpyxl takes any text starting with "=" for a formula
                cell.data_type = "s"  # text people typed (a space's name, a comment) is shown, never run
    for index, header in enumerate(headers, start=1):
        width = widths[index - 1] if widths and index <= len(widths) else max(10, 2 * len(header) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
