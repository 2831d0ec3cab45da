"""A report as an Excel workbook: a summary sheet with the headline figures, then one sheet per
section with its table. Written in openpyxl's write-only mode (rows streamed, not held as cells)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from kam.core.excel import safe_cell
from kam.reports.tables import DATE, DATETIME, DECIMAL, MONEY, PERCENT, Column, Report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    MONEY: "#,##0.00",
    DECIMAL: "#,##0.00",
    PERCENT: "0.0%",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
}
# Excel refuses these in a sheet's name, and names longer than 31 characters.
_SHEET_NAME = re.compile(r"[\[\]\:\*\?\/\\]")
BOLD = Font(bold=True)


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_NAME.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the reader's local time, as the page shows it.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (int, float, Decimal, dt.date)):
        return value
    return safe_cell(str(value))


def _cell(sheet: WriteOnlyWorksheet, value: Any, kind: str = "", *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_value(value, kind))
    if kind in FORMATS and value is not None:
        cell.number_format = FORMATS[kind]
    if bold:
        cell.font = BOLD
    return cell


def _line(
    sheet: WriteOnlyWorksheet, columns: list[Column], row: dict[str, Any], *, bold: bool = False
) -> list[WriteOnlyCell]:
    return [_cell(sheet, row.get(c.key), c.kind, bold=bold) for c in columns]


def report_workbook(report: Report) -> bytes:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    summary = workbook.create_sheet(_sheet_title(_("Summary"), used))
    summary.append([_cell(summary, report.title, bold=True)])
    summary.append([_("Period"), f"{report.period.label} ({report.period.start} – {report.period.end})"])
    summary.append([_("Scope"), safe_cell(report.scope.label)])
    summary.append([])
    for section in report.sections:
        summary.append([_cell(summary, section.title, bold=True)])
        for figure in section.figures:
            summary.append([safe_cell(figure.label), _cell(summary, figure.value, figure.kind)])
        if not section.figures:
            summary.append([_("Rows"), section.row_count])
    for section in report.sections:
        sheet = workbook.create_sheet(_sheet_title(section.title, used))
        sheet.append([_cell(sheet, section.title, bold=True)])
        sheet.append([_cell(sheet, column.label, bold=True) for column in section.columns])
        for row in section.rows:
            sheet.append(_line(sheet, section.columns, row))
        if section.total is not None:
            sheet.append(_line(sheet, section.columns, section.total, bold=True))
        if not section.rows and section.empty:
            sheet.append([safe_cell(section.empty)])
        if section.more:
            sheet.append([_("%(count)s more rows are not listed.") % {"count": section.more}])
        if section.note:
            sheet.append([safe_cell(section.note)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(report: Report) -> str:
    label = re.sub(r"[^0-9A-Za-z_-]+", "", report.period.label.replace(" ", "-"))
    return f"{report.kind}-{label}.xlsx"
