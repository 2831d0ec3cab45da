"""A filtered activity list as an Excel workbook (write-only, capped): the rows the list shows."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.activities import selectors
from kam.activities.exchange.columns import EXPORT_COLUMNS, column_label
from kam.core.excel import safe_cell
from kam.org.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000
CHUNK = 500


def activities_xlsx(user: User, filters: selectors.ActivityFilters) -> tuple[bytes, str]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Activities"))
    sheet.append([column_label(key) for key in EXPORT_COLUMNS])
    qs = selectors.with_people(selectors.filtered(user, filters))[: EXPORT_LIMIT + 1]
    for written, a in enumerate(qs.iterator(chunk_size=CHUNK)):
        if written == EXPORT_LIMIT:
            sheet.append(
                [
                    _("The export stops at %(count)s rows; narrow the filter to export the rest.")
                    % {"count": f"{EXPORT_LIMIT:,}"}
                ]
            )
            break
        values = {
            "customer": a.customer.name,
            "kind": a.kind.code,
            "status": a.status,
            "start": timezone.localtime(a.start).replace(tzinfo=None),
            "duration_minutes": a.duration_minutes,
            "opportunity": a.opportunity.project_number if a.opportunity else "",
            "contacts": "; ".join(c.name for c in a.contacts.all()),
            "our_people": "; ".join(p.username for p in a.our_people.all()),
            "summary": a.summary,
            "outcome": a.outcome,
            "next_step": a.next_step,
            "next_step_due": a.next_step_due,
            "owner": a.owner.username,
        }
        sheet.append([safe_cell(values[key]) for key in EXPORT_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), f"activities-{timezone.localdate().isoformat()}.xlsx"
