"""Where the period's selling time went, from the sales time analysis (kam.activities.time): hours
per rep and time category with the revenue-producing share and its band, and hours per customer
tier beside the tier's share of customers and profit. A quarter adds up its three months."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from kam.activities.time.selectors import (
    BAND_LABELS,
    CATEGORY_ORDER,
    TIER_ORDER,
    TimeAnalysis,
    TimeRow,
    category_label,
    hours,
    share,
    time_analysis,
)
from kam.reports.periods import ReportPeriod, months_of
from kam.reports.scope import Scope
from kam.reports.tables import DECIMAL, PERCENT, Column, Figure, Section


def analyses(scope: Scope, period: ReportPeriod) -> list[TimeAnalysis]:
    return [
        # Per month, merged into the period: the report lists the people with time in it.
        time_analysis(scope.reader, month=month, team=scope.team, owner=scope.owner, with_idle_reps=False)
        for month in months_of(period)
    ]


def _merged(rows: Iterable[TimeRow], scope: Scope) -> list[TimeRow]:
    merged: dict[str, TimeRow] = {}
    for row in rows:
        if not scope.covers(int(row.key)):
            continue
        into = merged.setdefault(row.key, TimeRow(key=row.key, label=row.label, team_label=row.team_label))
        for category, minutes in row.minutes.items():
            into.add(category, minutes)
    return sorted(merged.values(), key=lambda r: (r.team_label, r.label))


def _row(row: TimeRow) -> dict[str, Any]:
    values: dict[str, Any] = {
        "owner": row.label,
        "team": row.team_label,
        "hours": row.total_hours,
        "revenue_hours": row.revenue_hours,
        "revenue_share": row.revenue_share,
        "band": str(BAND_LABELS[row.band]) if row.band else "",
    }
    for code in CATEGORY_ORDER:
        values[code] = hours(row.minutes.get(code, 0))
    return values


def time_sections(scope: Scope, period: ReportPeriod) -> list[Section]:
    results = analyses(scope, period)
    reps = _merged((rep for result in results for rep in result.reps), scope)
    total = TimeRow(key="total", label=_("Total"))
    for rep in reps:
        for category, minutes in rep.minutes.items():
            total.add(category, minutes)
    by_rep = Section(
        "time",
        _("Selling time (%(period)s)") % {"period": period.label},
        [
            Column("owner", _("Owner")),
            Column("team", _("Team")),
            Column("hours", _("Hours"), DECIMAL),
            Column("revenue_hours", _("Revenue-producing hours"), DECIMAL),
            Column("revenue_share", _("Revenue-producing share"), PERCENT),
            Column("band", _("Band")),
        ]
        + [Column(code, category_label(code), DECIMAL) for code in CATEGORY_ORDER],
        rows=[_row(rep) for rep in reps],
        total=_row(total) if reps else None,
        figures=[
            Figure("hours", _("Hours"), total.total_hours, DECIMAL),
            Figure("revenue_share", _("Revenue-producing share"), total.revenue_share, PERCENT),
        ],
        note=_("Good teams spend 40–50 % of their time on revenue-producing work, ordinary ones 15–25 %."),
        empty=_("No done activity in this period."),
    )
    # Hours per tier add up over the months; the shares of customers and profit are the last
    # month's (customers now, profit of the twelve months up to the period's end).
    tier_minutes = {
        str(tier): sum(t.minutes for r in results for t in r.tiers if t.tier == str(tier))
        for tier in TIER_ORDER
    }
    last = results[-1].tiers
    all_minutes = sum(tier_minutes.values())
    tiers = Section(
        "time_tiers",
        _("Selling time by customer tier"),
        [
            Column("tier", _("Tier")),
            Column("hours", _("Hours"), DECIMAL),
            Column("hours_share", _("Share of hours"), PERCENT),
            Column("customer_share", _("Share of customers"), PERCENT),
            Column("profit_share", _("Share of profit"), PERCENT),
        ],
        rows=[
            {
                "tier": row.label,
                "hours": hours(tier_minutes[row.tier]),
                "hours_share": share(tier_minutes[row.tier], all_minutes),
                "customer_share": row.customer_share,
                "profit_share": row.profit_share,
            }
            for row in last
        ]
        if all_minutes or any(row.customers for row in last)
        else [],
        empty=_("No customer and no done activity in this scope."),
    )
    return [by_rep, tiers]
