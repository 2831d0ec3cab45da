"""Results against target for a period, per rep and per team, from the forecast's selectors
(kam.insights.forecast): won amount (deals won with a sign date in the period), the open
pipeline and the weighted forecast, against the targets set for the period."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.insights.forecast.selectors import Figures, TargetFigures, forecast, target_sums
from kam.org.visibility import managed_team_ids
from kam.reports.periods import ReportPeriod
from kam.reports.scope import Scope
from kam.reports.tables import INT, MONEY, PERCENT, Column, Figure, Section

CENT = Decimal("0.01")

COLUMNS = (
    ("won", gettext_lazy("Won"), MONEY),
    ("won_count", gettext_lazy("Deals won"), INT),
    ("target", gettext_lazy("Target"), MONEY),
    ("attainment", gettext_lazy("Attainment"), PERCENT),
    ("gap", gettext_lazy("Gap to target"), MONEY),
    ("open_amount", gettext_lazy("Open pipeline"), MONEY),
    ("weighted", gettext_lazy("Weighted"), MONEY),
    ("coverage", gettext_lazy("Coverage"), "decimal"),
)


def _columns(first: Column) -> list[Column]:
    return [first] + [Column(key, str(label), kind) for key, label, kind in COLUMNS]


def _row(label: str, figures: Figures, target: TargetFigures) -> dict[str, Any]:
    return {
        "name": label,
        "won": figures.won,
        "won_count": figures.won_count,
        "target": target.target,
        "attainment": target.attainment,
        "gap": target.gap,
        "open_amount": figures.open_amount,
        "weighted": figures.weighted,
        "coverage": target.coverage,
    }


def by_rep(scope: Scope, period: ReportPeriod, *, key: str = "by_rep", title: str | None = None) -> Section:
    """Per rep in the scope: won against their target (three queries: figures, names, targets)."""
    result = forecast(scope.reader, "rep", "month", start=period.start, end=period.end)
    rows = []
    totals = Figures()
    target_total = Decimal(0)
    any_target = False
    for group in result.groups:
        if group.key is None or not scope.covers(group.key):
            continue
        target = group.target or TargetFigures(None, group.figures.won, group.figures.open_amount)
        if target.target is not None:
            any_target = True
            target_total += target.target
        totals.add(group.figures)
        rows.append(_row(group.label, group.figures, target))
    rows.sort(key=lambda r: (-(r["won"] or 0), r["name"]))
    total_target = TargetFigures(
        target_total.quantize(CENT) if any_target else None, totals.won, totals.open_amount
    )
    return Section(
        key,
        title or _("Results against target by rep (%(period)s)") % {"period": period.label},
        _columns(Column("name", _("Rep"))),
        rows=rows,
        total={**_row(_("Total"), totals, total_target)} if rows else None,
        figures=[
            Figure("won", _("Won"), totals.won, MONEY),
            Figure("target", _("Target"), total_target.target, MONEY),
            Figure("attainment", _("Attainment"), total_target.attainment, PERCENT),
        ],
        empty=_("No deal won or open with a sign date in this period, and no target set."),
    )


def by_team(scope: Scope, period: ReportPeriod) -> Section:
    """Per team in the scope (the chosen team's subtree, or every team for the whole company)."""
    section = Section(
        "by_team",
        _("Results against target by team (%(period)s)") % {"period": period.label},
        _columns(Column("name", _("Team"))),
        empty=_("No team figures in this period."),
    )
    if scope.owner is not None:
        section.empty = _("A rep's report covers their own results only.")
        return section
    result = forecast(scope.reader, "team", "month", start=period.start, end=period.end)
    team_ids = scope.team_ids
    if team_ids is None and not scope.reader.sees_everything:
        # A manager's own teams (forecast() also counts deals they only join as a deal team member).
        team_ids = managed_team_ids(scope.reader)
    for group in result.groups:
        if group.key is None or (team_ids is not None and group.key not in team_ids):
            continue
        target = group.target or TargetFigures(None, group.figures.won, group.figures.open_amount)
        section.rows.append(_row(group.label, group.figures, target))
    section.rows.sort(key=lambda r: r["name"])
    return section


def team_target(scope: Scope, period: ReportPeriod) -> Decimal | None:
    """The target set for the chosen team itself over the period (None when none is set)."""
    if scope.team is None:
        return None
    sums = target_sums("team", period.start, period.end, scope.reader)
    value = sums.get(scope.team.pk)
    return None if value is None else Decimal(value).quantize(CENT)
