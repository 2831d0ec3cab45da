"""The deals behind the win/loss figures as an Excel workbook (write-only, capped)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kam.core.excel import safe_cell
from kam.opportunities.models import OpportunityStatus
from kam.org.models import User
from kam.planning.winloss import breakdown

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000
CHUNK = 500


def deals_xlsx(user: User, filters: breakdown.WinLossFilters) -> tuple[bytes, str]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Closed deals"))
    sheet.append(
        [
            _("Project number"),
            _("Opportunity"),
            _("Customer"),
            _("Owner"),
            _("Team"),
            _("Outcome"),
            _("Closed"),
            _("Reason"),
            _("In words"),
            _("Lost to"),
            _("Stage reached"),
            _("Amount"),
            _("Reviewed"),
        ]
    )
    outcomes = dict(OpportunityStatus.choices)
    stages = breakdown.stage_labels(filters)
    rows = breakdown.deal_rows(user, filters)[: EXPORT_LIMIT + 1]
    for written, row in enumerate(rows.iterator(chunk_size=CHUNK)):
        if written == EXPORT_LIMIT:
            sheet.append(
                [
                    _("The export stops at %(count)s rows; narrow the filter to export the rest.")
                    % {"count": f"{EXPORT_LIMIT:,}"}
                ]
            )
            break
        values = [
            row["project_number"],
            row["name"],
            row["customer__name"],
            row["owner__name"] or row["owner__username"],
            row["owner__team__name"] or "",
            str(outcomes.get(row["status"], row["status"])),
            timezone.localtime(row["closed_at"]).replace(tzinfo=None) if row["closed_at"] else None,
            breakdown.reason_name(row),
            row["close_reason"],
            row["lost_to__name"] or "",
            stages.get(row["furthest_stage_order"], str(row["furthest_stage_order"])),
            row["expected"],
            _("yes") if row["has_review"] else _("no"),
        ]
        sheet.append([safe_cell(value) for value in values])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), f"win-loss-{filters.start.isoformat()}-{filters.end.isoformat()}.xlsx"
