"""What changed between two snapshots (the weekly review) as an Excel workbook: a summary sheet
with each section's count and amount, then every changed opportunity with its section, before and
after, in exact yuan. Read through the same selector as the page, so visibility agrees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kam.core import sheets
from kam.insights.models import Snapshot
from kam.insights.review import selectors
from kam.opportunities.models import OpportunityStatus
from kam.org.models import User


def _moment(snapshot: Snapshot | None) -> str:
    if snapshot is None:
        return _("now")
    text = timezone.localtime(snapshot.taken_at).strftime("%Y-%m-%d %H:%M")
    return f"{text} ({snapshot.note})" if snapshot.note else text


def change_columns() -> list[sheets.Column]:
    return [
        sheets.Column(_("Change"), 18),
        sheets.Column(_("Project number"), 16),
        sheets.Column(_("Opportunity"), 36),
        sheets.Column(_("Customer"), 30),
        sheets.Column(_("Owner"), 12),
        sheets.Column(_("Stage before"), 10),
        sheets.Column(_("Stage now"), 10),
        sheets.Column(_("Amount before (yuan)"), 18, sheets.MONEY),
        sheets.Column(_("Amount now (yuan)"), 18, sheets.MONEY),
        sheets.Column(_("Change in amount (yuan)"), 18, sheets.MONEY),
        sheets.Column(_("Sign date before"), 12, sheets.DATE),
        sheets.Column(_("Sign date now"), 12, sheets.DATE),
        sheets.Column(_("Closed on"), 12, sheets.DATE),
        sheets.Column(_("Reason"), 30),
    ]


def _rows(report: selectors.ChangesReport) -> Iterator[list[Any]]:
    for section in report.sections:
        for row in section.rows:
            if section.left:
                closed = row.get("closed_at")
                reason = row.get("close_reason") or ""
                if row.get("lost_to_name"):
                    reason = f"{reason} · {_('lost to')} {row['lost_to_name']}".strip(" ·")
                status = row.get("cur_status")
                yield [
                    section.title,
                    row.get("number"),
                    row.get("label"),
                    row.get("customer_name"),
                    row.get("owner_name"),
                    row.get("prev_stage"),
                    str(OpportunityStatus(status).label) if status in OpportunityStatus.values else "",
                    row.get("prev_amount"),
                    None,
                    None,
                    row.get("prev_sign"),
                    None,
                    timezone.localtime(closed).date() if closed else None,
                    reason,
                ]
            else:
                delta = row.get("delta")
                yield [
                    section.title,
                    row.get("number"),
                    row.get("label"),
                    row.get("customer_name"),
                    row.get("owner_name"),
                    row.get("prev_stage"),
                    row.get("cur_stage"),
                    row.get("prev_amount"),
                    row.get("cur_amount"),
                    delta,
                    row.get("prev_sign"),
                    row.get("cur_sign"),
                    None,
                    "",
                ]


def changes_xlsx(
    user: User, before: Snapshot, after: Snapshot | None, *, limit: int = sheets.EXPORT_LIMIT
) -> tuple[bytes, str]:
    """The workbook's bytes and a file name such as changes-2027-03-31.xlsx."""
    report = selectors.changes(user, before, after, row_limit=limit + 1)
    heading = [
        _("What changed"),
        f"{pgettext('period', 'From')} {_moment(before)} {pgettext('period', 'to')} {_moment(after)}",
    ]
    summary = sheets.Sheet(
        title=_("Summary"),
        heading=heading,
        columns=[
            sheets.Column(_("Change"), 24),
            sheets.Column(_("Count"), 10, sheets.INT),
            sheets.Column(_("Amount (yuan)"), 18, sheets.MONEY),
            sheets.Column(_("Change in amount (yuan)"), 18, sheets.MONEY),
        ],
        rows=[
            [section.title, section.count, section.amount, section.delta]
            for section in report.sections
            if section.key != "removed" or section.count
        ],
    )
    detail = sheets.Sheet(
        title=_("Opportunities"),
        heading=heading,
        columns=change_columns(),
        rows=_rows(report),
        limit=limit,
    )
    return sheets.workbook_bytes([summary, detail]), sheets.dated_name("changes")
