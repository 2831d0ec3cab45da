"""The monthly key-account business review (月大客户经营分析会) for one month: the forecast against
target (the month and its quarter), each key account's status, and the month's wins and losses
with their reasons."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kam.insights.forecast.periods import choose_period
from kam.opportunities.models import OpportunityStatus
from kam.reports import results, selectors
from kam.reports.periods import ReportPeriod
from kam.reports.scope import Scope
from kam.reports.tables import DATETIME, INT, MONEY, Column, Figure, Report, Section


def key_accounts_section(scope: Scope) -> Section:
    rows, count = selectors.key_accounts(scope)
    return Section(
        "key_accounts",
        _("Key accounts"),
        [
            Column("customer", _("Customer")),
            Column("tier", _("Tier")),
            Column("owner", _("Owner")),
            Column("open_count", _("Open deals"), INT),
            Column("open_amount", _("Open pipeline"), MONEY),
            Column("weighted", _("Weighted"), MONEY),
            Column("last_touch_at", _("Last touch"), DATETIME),
            Column("contacts", _("Contacts"), INT),
            Column("covered_contacts", _("Contacts at CR3 or above"), INT),
            Column("top_level", _("Best level with top management"), INT),
            Column("flagged_deals", _("Flagged deals"), INT),
        ],
        rows=rows,
        count=count,
        figures=[
            Figure("key_accounts", _("Key accounts"), count),
            Figure("untouched", _("Never touched"), sum(1 for r in rows if r["last_touch_at"] is None)),
        ],
        note=_(
            "Coverage counts contacts whose best relationship level with any of our people is CR3 or above."
        ),
        empty=_("No key account in this scope."),
    )


def wins_losses_section(scope: Scope, period: ReportPeriod) -> Section:
    rows, totals = selectors.closed_deals(scope, period.start, period.end)

    def figure(status: str) -> dict[str, Any]:
        return totals.get(status, {"count": 0, "amount": selectors.ZERO})

    won, lost, dropped = (figure(s) for s in selectors.CLOSED)
    return Section(
        "wins_losses",
        _("Wins and losses"),
        [
            Column("opportunity", _("Opportunity")),
            Column("customer", _("Customer")),
            Column("owner", _("Owner")),
            Column("status", _("Result")),
            Column("stage", _("Stage")),
            Column("amount", _("Amount"), MONEY),
            Column("closed_at", _("Closed at"), DATETIME),
            Column("reason", _("Reason")),
            Column("lost_to", _("Lost to")),
        ],
        rows=rows,
        count=won["count"] + lost["count"] + dropped["count"],
        figures=[
            Figure("won", _("Won"), won["count"]),
            Figure("won_amount", _("Amount won"), won["amount"], MONEY),
            Figure("lost", str(OpportunityStatus.LOST.label), lost["count"]),
            Figure("lost_amount", _("Amount lost"), lost["amount"], MONEY),
            Figure("dropped", _("Dropped"), dropped["count"]),
        ],
        empty=_("No deal was closed in this period."),
    )


def business_review(scope: Scope, month: ReportPeriod) -> Report:
    quarter = choose_period("quarter", year=month.start.year, quarter=(month.start.month + 2) // 3)
    quarter_period = ReportPeriod("quarter", quarter.start, quarter.end, quarter.label)
    month_results = results.by_rep(
        scope,
        month,
        key="forecast",
        title=_("Forecast against target (%(period)s)") % {"period": month.label},
    )
    quarter_results = results.by_rep(
        scope,
        quarter_period,
        key="forecast_quarter",
        title=_("Forecast against target (%(period)s)") % {"period": quarter.label},
    )
    team_target = results.team_target(scope, month)
    if team_target is not None:
        month_results.figures.append(Figure("team_target", _("Team target"), team_target, MONEY))
    sections = [
        month_results,
        quarter_results,
        key_accounts_section(scope),
        wins_losses_section(scope, month),
    ]
    return Report(
        "review",
        _("Monthly key-account business review %(month)s") % {"month": month.label},
        month,
        scope,
        sections,
    )
