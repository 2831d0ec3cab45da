"""The monthly and quarterly sales reports (销售月报 / 季报): results against target by rep and by
team, activity and time figures, and the loss diagnosis of the period."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.reports import loss_figures, plan_figures, results, time_figures
from kam.reports.periods import ReportPeriod
from kam.reports.scope import Scope
from kam.reports.tables import Report


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
    sections += loss_figures.loss_sections(scope, period)
    return Report("sales", title % {"period": period.label}, period, scope, sections)
