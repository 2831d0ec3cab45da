"""A period's work per rep: plan against actual (kam.activities.plans: done, moved, dropped, still
open, unplanned work, goals achieved), and the activity figures of the done work (visits, hours,
the revenue-producing share)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.activities.plans.selectors import Figures, plan_vs_actual
from kam.reports import selectors
from kam.reports.periods import ReportPeriod
from kam.reports.scope import Scope
from kam.reports.tables import DECIMAL, INT, PERCENT, Column, Figure, Section, ratio


def _plan_row(name: str, team: str, figures: Figures) -> dict[str, object]:
    return {
        "owner": name,
        "team": team,
        **figures.as_dict(),
        "done_share": ratio(figures.done, figures.planned),
    }


def plan_section(scope: Scope, period: ReportPeriod) -> Section:
    """Plan against actual of the week (or month) per rep in the scope (three queries)."""
    result = plan_vs_actual(scope.reader, period=period.kind, starts_on=period.start, team=scope.team)
    total = Figures()
    rows = []
    for rep in result.reps:
        if not scope.covers(rep.person.pk):
            continue
        total.add(rep.figures)
        team = rep.person.team.name if rep.person.team else ""
        rows.append(_plan_row(str(rep.person), team, rep.figures))
    return Section(
        "plan",
        _("Activities against plan (%(period)s)") % {"period": period.label},
        [
            Column("owner", _("Owner")),
            Column("team", _("Team")),
            Column("planned", _("Planned"), INT),
            Column("done", _("Done as planned"), INT),
            Column("moved", _("Moved"), INT),
            Column("dropped", _("Dropped"), INT),
            Column("open", _("Still open"), INT),
            Column("unplanned", _("Unplanned work done"), INT),
            Column("done_share", _("Done share"), PERCENT),
            Column("goals", _("Goals"), INT),
            Column("goals_achieved", _("Goals achieved"), INT),
        ],
        rows=rows,
        total=_plan_row(_("Total"), "", total) if rows else None,
        figures=[
            Figure("planned", _("Planned"), total.planned),
            Figure("done", _("Done as planned"), total.done),
            Figure("unplanned", _("Unplanned work done"), total.unplanned),
        ],
        note=_(
            "Moved: planned for another time; dropped: cancelled, or still planned when the period ended; "
            "unplanned: done work that belongs to no plan."
        ),
        empty=_("Nobody in this scope planned or did any work in this period."),
    )


def activity_section(scope: Scope, period: ReportPeriod) -> Section:
    """Activities per rep in the scope over the period (one grouped query)."""
    rows = selectors.activity_figures(scope, period.start, period.end)
    total = selectors.activity_totals(rows)
    return Section(
        "activities",
        _("Activities (%(period)s)") % {"period": period.label},
        [
            Column("owner", _("Owner")),
            Column("done", _("Done"), INT),
            Column("planned", _("Still planned"), INT),
            Column("cancelled", _("Cancelled"), INT),
            Column("visits", _("Visits done"), INT),
            Column("hours", _("Hours done"), DECIMAL),
        ],
        rows=rows,
        total={"owner": _("Total"), **total} if rows else None,
        figures=[
            Figure("done", _("Done"), total["done"]),
            Figure("visits", _("Visits done"), total["visits"]),
            Figure("hours", _("Hours done"), total["hours"], DECIMAL),
        ],
        empty=_("No activity planned or done in this period."),
    )
