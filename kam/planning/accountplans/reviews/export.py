"""The portfolio as an Excel workbook: one sheet per segment, the rows as the page shows them."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from kam.core.excel import safe_cell
from kam.planning.accountplans.reviews.portfolio import Portfolio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"


def headers() -> list[str]:
    return [
        _("Customer"),
        _("Owner"),
        _("Team"),
        _("Plan"),
        _("Plan owner"),
        _("Last review"),
        _("Next review"),
        _("Days overdue"),
        _("Goals off track"),
    ]


def portfolio_workbook(data: Portfolio) -> bytes:
    book = Workbook(write_only=True)
    for group in data.groups:
        sheet = book.create_sheet(title=str(group.label)[:31])
        sheet.append([safe_cell(h) for h in headers()])
        for row in group.rows:
            if row.status:
                plan = str(row.status_label)
            elif row.covered_by_group:
                plan = _("Covered by the group's plan")
            else:
                plan = _("No plan for %(year)s") % {"year": data.year}
            sheet.append(
                [
                    safe_cell(row.customer_name),
                    safe_cell(row.owner_name),
                    safe_cell(row.team_name),
                    safe_cell(plan),
                    safe_cell(row.plan_owner_name),
                    row.last_reviewed_on,
                    row.next_review_due,
                    row.days_overdue or None,
                    row.off_track if row.active else None,
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
