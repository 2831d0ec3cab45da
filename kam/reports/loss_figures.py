"""The period's loss diagnosis, from kam.insights.loss: where lost and dropped deals stopped, why,
to whom, per rep, and the funnel of every deal closed in the period with its largest leak."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kam.insights.loss.selectors import Tally, loss_diagnosis
from kam.reports.periods import ReportPeriod
from kam.reports.scope import Scope
from kam.reports.tables import INT, MONEY, PERCENT, Column, Figure, Section


def _tally(tally: Tally, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "lost": tally.lost,
        "dropped": tally.dropped,
        "count": tally.count,
        "amount": tally.amount,
    }


def _tally_columns(first: Column, *more: Column) -> list[Column]:
    return [
        first,
        *more,
        Column("lost", _("Lost"), INT),
        Column("dropped", _("Dropped"), INT),
        Column("amount", _("Amount"), MONEY),
    ]


def loss_sections(scope: Scope, period: ReportPeriod) -> list[Section]:
    result = loss_diagnosis(scope.reader, start=period.start, end=period.end, team=scope.team)
    empty = _("No deal was lost or dropped in this period.")
    stopped = Section(
        "loss_stages",
        _("Where lost and dropped deals stopped"),
        _tally_columns(Column("stage", _("Furthest stage reached"))),
        rows=[_tally(tally, stage=tally.label) for _stage, tally in result.stopped],
        total=_tally(result.total, stage=_("Total")) if result.stopped else None,
        figures=[
            Figure("lost", _("Lost"), result.total.lost),
            Figure("dropped", _("Dropped"), result.total.dropped),
            Figure("amount", _("Amount lost or dropped"), result.total.amount, MONEY),
        ],
        empty=empty,
    )
    reasons = Section(
        "loss_reasons",
        _("Why"),
        _tally_columns(Column("reason", _("Reason"))),
        rows=[_tally(tally, reason=tally.label) for tally in result.reasons],
        empty=empty,
    )
    competitors = Section(
        "loss_competitors",
        _("Lost to"),
        [
            Column("competitor", _("Competitor")),
            Column("lost", _("Lost"), INT),
            Column("amount", _("Amount"), MONEY),
        ],
        rows=[{"competitor": t.label, "lost": t.lost, "amount": t.amount} for t in result.competitors],
        empty=_("No deal was lost to a competitor in this period."),
    )
    reps = Section(
        "loss_reps",
        _("Losses per rep"),
        _tally_columns(Column("owner", _("Owner")), Column("team", _("Team"))),
        rows=[
            _tally(tally, owner=tally.label, team=tally.team_label)
            for tally in result.reps
            if scope.covers(int(tally.key))
        ],
        empty=empty,
    )
    funnel = Section(
        "loss_funnel",
        _("Funnel of the deals closed in the period"),
        [
            Column("stage", _("Stage")),
            Column("entered", _("Entered"), INT),
            Column("reached_next", _("Reached the next stage"), INT),
            Column("leaked", _("Stopped there"), INT),
            Column("leak_share", _("Share stopped"), PERCENT),
        ],
        rows=[
            {
                "stage": f"{step.stage.code} {step.stage.display_name}",
                "entered": step.entered,
                "reached_next": step.reached_next,
                "leaked": step.leaked,
                "leak_share": step.leak_share,
            }
            for step in result.funnel
        ]
        if result.closed
        else [],
        figures=[Figure("closed", _("Deals closed"), result.closed)],
        note=result.leak_sentence,
        empty=_("No deal was closed in this period."),
    )
    return [stopped, reasons, competitors, reps, funnel]
