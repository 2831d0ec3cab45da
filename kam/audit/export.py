"""The audit trail's filtered entries as an Excel workbook (write-only, capped)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit import selectors
from kam.core.excel import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000
CHUNK = 500


def headers() -> list[str]:
    return [_("When"), _("Who"), _("Action"), _("Record type"), _("Record id"), _("Record"), _("Changes")]


def audit_xlsx(filters: selectors.AuditFilters) -> tuple[bytes, str]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit trail"))
    sheet.append(headers())
    qs = selectors.entries(filters)[: EXPORT_LIMIT + 1]
    for written, entry in enumerate(qs.iterator(chunk_size=CHUNK)):
        if written == EXPORT_LIMIT:
            sheet.append(
                [
                    _("The export stops at %(count)s rows; narrow the filter to export the rest.")
                    % {"count": f"{EXPORT_LIMIT:,}"}
                ]
            )
            break
        when = timezone.localtime(entry.timestamp).replace(tzinfo=None)
        sheet.append(
            [
                when,
                safe_cell(selectors.who(entry)),
                safe_cell(selectors.action_label(entry)),
                safe_cell(selectors.record_type_label(entry)),
                safe_cell(entry.object_pk),
                safe_cell(entry.object_repr),
                safe_cell(selectors.changes_text(entry)),
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), f"audit-{timezone.localdate().isoformat()}.xlsx"
