"""A table as an Excel sheet: headers, rows streamed in openpyxl's write-only mode, a totals row,
and a row cap with a message saying where the export stopped. The pages' exports (pipeline table,
health list, what changed, funnel) share it so each says what to write, not how."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.excel import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Above this many rows an export stops, says so, and asks for a narrower filter.
EXPORT_LIMIT = 20_000

MONEY = "money"
INT = "int"
DATE = "date"
PERCENT = "percent"
FORMATS = {MONEY: "#,##0.00", INT: "0", DATE: "yyyy-mm-dd", PERCENT: "0.0%"}


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 14
    kind: str = ""
    # Summed into the totals row (exact Decimals for money).
    total: bool = False


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    # Lines above the headers: what the table is (a period, a filter), bold first.
    heading: Sequence[str] = ()
    totals_label: str | None = None
    limit: int = EXPORT_LIMIT
    # Filled while writing: rows written, and whether the cap cut the table short.
    written: int = field(default=0, init=False)
    truncated: bool = field(default=False, init=False)


def _value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the reader's local time, as the pages show it.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (bool, int, float, Decimal, dt.date)):
        return value
    return safe_cell(str(value))


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def write_sheet(workbook: Any, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    ws = workbook.create_sheet(sheet.title[:31])
    for index, column in enumerate(sheet.columns):
        ws.column_dimensions[_column_letter(index)].width = column.width
    for number, line in enumerate(sheet.heading):
        cell = WriteOnlyCell(ws, value=safe_cell(line))
        if number == 0:
            cell.font = bold
        ws.append([cell])
    if sheet.heading:
        ws.append([])
    headers = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.title)
        cell.font = bold
        headers.append(cell)
    ws.append(headers)
    sums: dict[int, Any] = {
        i: Decimal(0) if c.kind == MONEY else 0 for i, c in enumerate(sheet.columns) if c.total
    }

    def cells(values: Sequence[Any], *, font: Any = None) -> list[Any]:
        out = []
        for column, value in zip(sheet.columns, values, strict=False):
            cell = WriteOnlyCell(ws, value=_value(value))
            if column.kind in FORMATS and value is not None:
                cell.number_format = FORMATS[column.kind]
            if font is not None:
                cell.font = font
            out.append(cell)
        return out

    for values in sheet.rows:
        if sheet.written == sheet.limit:
            sheet.truncated = True
            break
        ws.append(cells(values))
        sheet.written += 1
        for index in sums:
            value = values[index]
            if value is not None:
                sums[index] += value
    if sheet.totals_label is not None:
        totals: list[Any] = [None] * len(sheet.columns)
        totals[0] = sheet.totals_label
        for index, value in sums.items():
            totals[index] = value
        ws.append(cells(totals, font=bold))
    if sheet.truncated:
        ws.append(
            [
                _("The export stops at %(count)s rows; narrow the filter to export the rest.")
                % {"count": f"{sheet.limit:,}"}
            ]
        )


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        write_sheet(workbook, sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def dated_name(stem: str) -> str:
    """A file name such as pipeline-2027-03-31.xlsx (the reader's date)."""
    return f"{stem}-{timezone.localdate().isoformat()}.xlsx"
