"""The Health page as an Excel workbook: the flagged open opportunities the filters select (worst
first, each with its flags and their explanations, exact yuan, a totals row), then the counts by
rule and by owner. Read through the same report as the page, so visibility and filters agree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from kam.core import sheets
from kam.insights.health.report import HealthFilters, health_report
from kam.insights.models import Severity
from kam.opportunities.flags import worst_severity
from kam.org.models import User


def columns() -> list[sheets.Column]:
    return [
        sheets.Column(_("Severity"), 10),
        sheets.Column(_("Flags"), 60),
        sheets.Column(_("Project number"), 16),
        sheets.Column(_("Name"), 36),
        sheets.Column(_("Customer"), 30),
        sheets.Column(_("Owner"), 12),
        sheets.Column(_("Stage"), 22),
        sheets.Column(_("Days in stage"), 10, sheets.INT),
        sheets.Column(_("Amount (yuan)"), 18, sheets.MONEY, total=True),
        sheets.Column(_("Sign date"), 12),
    ]


def _row(opportunity: Any) -> list[Any]:
    flags = getattr(opportunity, "health_flags", [])
    worst = worst_severity(flags)
    return [
        str(Severity(worst).label) if worst else "",
        "; ".join(f"{flag.name}: {flag.explanation}" for flag in flags),
        opportunity.project_number,
        opportunity.name,
        opportunity.customer.name,
        str(opportunity.owner),
        f"{opportunity.stage.code} {opportunity.stage.display_name}",
        opportunity.days_in_stage,
        opportunity.expected_amount,
        opportunity.sign_date_display,
    ]


def health_xlsx(user: User, filters: HealthFilters, *, limit: int = sheets.EXPORT_LIMIT) -> tuple[bytes, str]:
    """The workbook's bytes and a file name such as health-2027-03-31.xlsx."""
    # One more row than the cap, so the sheet can tell that the cap cut the list short.
    report = health_report(user, filters, offset=0, limit=limit + 1)
    items: Iterator[list[Any]] = (_row(opportunity) for opportunity in report["items"])
    flagged = sheets.Sheet(
        title=_("Flagged opportunities"),
        columns=columns(),
        rows=items,
        totals_label=_("Total (exported rows)"),
        limit=limit,
    )
    by_rule = sheets.Sheet(
        title=_("By rule"),
        columns=[
            sheets.Column(_("Rule"), 36),
            sheets.Column(_("Severity"), 10),
            sheets.Column(_("Opportunities"), 14, sheets.INT),
        ],
        rows=([row["name"], str(Severity(row["severity"]).label), row["count"]] for row in report["by_rule"]),
    )
    by_owner = sheets.Sheet(
        title=_("By owner"),
        columns=[
            sheets.Column(_("Owner"), 16),
            sheets.Column(_("Critical"), 10, sheets.INT, total=True),
            sheets.Column(_("Warning"), 10, sheets.INT, total=True),
            sheets.Column(_("Info"), 10, sheets.INT, total=True),
            sheets.Column(_("Flagged"), 10, sheets.INT, total=True),
        ],
        rows=(
            [row["owner"], row["critical"], row["warn"], row["info"], row["flagged"]]
            for row in report["by_owner"]
        ),
        totals_label=_("Total"),
    )
    return sheets.workbook_bytes([flagged, by_rule, by_owner]), sheets.dated_name("health")
