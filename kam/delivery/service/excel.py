"""The SLA attainment report as an Excel workbook: one row per team and the total."""

from __future__ import annotations

import datetime as dt
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from kam.core.excel import safe_cell
from kam.delivery.service.selectors import AttainmentRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attainment_xlsx(rows: list[AttainmentRow], total: AttainmentRow, month: dt.date) -> tuple[bytes, str]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("SLA attainment"))
    sheet.append([_("SLA attainment"), month.strftime("%Y-%m")])
    sheet.append(
        [
            _("Team"),
            _("Resolved"),
            _("Within response target (%)"),
            _("Within resolution target (%)"),
            _("Breaches"),
            _("Mean time to first response (hours)"),
            _("Mean time to resolution (hours)"),
        ]
    )
    for row in [*rows, total]:
        values = [
            row.team,
            row.resolved,
            row.response_percent,
            row.resolution_percent,
            row.breaches,
            row.mean_response_hours,
            row.mean_resolution_hours,
        ]
        sheet.append([safe_cell(value) for value in values])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), f"sla-attainment-{month.strftime('%Y-%m')}.xlsx"
