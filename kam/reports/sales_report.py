"""The monthly and quarterly sales reports (销售月报 / 季报): results against target by rep and by
team, activity and time figures, and the loss diagnosis of the period."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.reports import plan_figures, results, selectors, time_figures
from kam.reports.periods import ReportPeriod
from kam.reports.scope import Scope
from kam.reports.tables import INT, MONEY, Column, Figure, Report, Section


def losses_sections(scope: Scope, period: ReportPeriod) -> list[Section]:
    stages, competitors = selectors.losses_by_stage_and_competitor(scope, period.start, period.end)
    by_stage = Section(
        "loss_stages",
        _("Where lost and dropped deals stopped"),
        [
            Column("stage", _("Furthest stage reached (order)"), INT),
            Column("lost", _("Lost"), INT),
            Column("dropped", _("Dropped"), INT),
            Column("amount", _("Amount"), MONEY),
        ],
        rows=stages,
        figures=[
            Figure("lost", _("Lost"), sum(r["lost"] for r in stages)),
            Figure("dropped", _("Dropped"), sum(r["dropped"] for r in stages)),
        ],
        empty=_("No deal was lost or dropped in this period."),
    )
    by_competitor = Section(
        "loss_competitors",
        _("Lost to"),
        [
            Column("competitor", _("Competitor")),
            Column("lost", _("Lost"), INT),
            Column("amount", _("Amount"), MONEY),
        ],
        rows=competitors,
        empty=_("No deal was lost in this period."),
    )
    return [by_stage, by_competitor]


def sales_report(scope: Scope, period: ReportPeriod) -> Report:
    title = (
        _("Quarterly sales report %(period)s")
        if period.kind == "quarter"
        else _("Monthly sales report %(period)s")
    )
    sections = [
        results.by_rep(scope, period),
        results.by_team(scope, period),
        plan_figures.activity_section(scope, period),
    ]
    sections += time_figures.time_sections(scope, period)
    sections += losses_sections(scope, period)
    return Report("sales", title % {"period": period.label}, period, scope, sections)
