"""The funnel: open count and amount per stage of a sales process, and how many deals reached each stage.

Read from the rollups (the pipeline rollup's open cells of the process, the funnel rollup's counts
per furthest stage reached) whenever they say everything the user sees (kam.insights.forecast.rollup);
otherwise from the opportunities, with the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Q,
    Sum,
)

from kam.access.visibility import opportunities_for
from kam.insights.forecast.rollup import money, rows_unless_blocked
from kam.insights.forecast.selectors import CENT
from kam.opportunities.models import (
    FunnelRollup,
    Opportunity,
    OpportunityStatus,
    SalesProcess,
    Stage,
    StageRollup,
)
from kam.opportunities.selectors import EXPECTED_AMOUNT, rollup_visibility
from kam.org.models import User

# stage id → (open count, open expected amount); furthest stage order reached → opportunities
OpenSums = dict[int, tuple[int, Decimal]]
Reached = dict[int, int]


@dataclass
class FunnelStage:
    stage: Stage
    open_count: int
    open_amount: Decimal
    reached: int  # opportunities that ever reached this stage (or a later one)
    conversion: Decimal | None  # share of those reaching this stage that reached the next


def default_funnel_process(code: str | None = None) -> SalesProcess | None:
    qs = SalesProcess.objects.all()
    if code:
        return qs.filter(code=code).first()
    return qs.order_by("-is_default", "id").first()


def live_counts(user: User | None, stages: list[Stage]) -> tuple[OpenSums, Reached]:
    """The funnel's figures from the opportunities: two grouped queries."""
    base = Opportunity.objects.all() if user is None else opportunities_for(user)
    # The stage ids already loaded, so neither GROUP BY joins the stage table (index-only on SQLite).
    base = base.filter(stage_id__in=[stage.pk for stage in stages])
    open_sums = {
        row["stage_id"]: (row["n"], Decimal(row["total"] or 0))
        for row in base.filter(status=OpportunityStatus.OPEN)
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum(EXPECTED_AMOUNT))
        .order_by()
    }
    # Opportunities per furthest stage reached (kept on the opportunity by the stage services, so
    # a move back does not undo having reached the higher stage): one GROUP BY served by
    # opportunity_funnel_idx, no scan of the stage history.
    reached = dict(
        base.values("furthest_stage_order")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("furthest_stage_order", "n")
    )
    return open_sums, reached


def rollup_counts(user: User | None, process: SalesProcess) -> tuple[OpenSums, Reached] | None:
    """The funnel's figures from the rollups (two grouped queries over a few cells per owner), or
    None when they cannot answer for this user."""
    visible, elsewhere = Q(), None
    if user is not None:
        visibility = rollup_visibility(user)
        if visibility is None:
            return None
        visible, elsewhere = visibility
    if elsewhere is not None:
        # Every opportunity of the process counts (reaching a stage is counted whatever the status).
        elsewhere = elsewhere.filter(opportunity__stage__process=process)
    reached_rows = rows_unless_blocked(
        FunnelRollup.objects.filter(visible, process=process)
        .values("furthest_stage_order")
        .annotate(n=Sum("count"))
        .order_by(),
        elsewhere,
    )
    if reached_rows is None:
        return None
    open_rows: list[dict[str, Any]] = list(
        StageRollup.objects.filter(visible, process=process, status=OpportunityStatus.OPEN)
        .values("stage_id")
        .annotate(n=Sum("count"), milli=Sum("amount_milli"))
        .order_by()  # type: ignore[arg-type]
    )
    open_sums = {row["stage_id"]: (int(row["n"]), money(row["milli"])) for row in open_rows if row["n"]}
    reached = {row["furthest_stage_order"]: int(row["n"]) for row in reached_rows if row["n"]}
    return open_sums, reached


def funnel(
    user: User | None, process: SalesProcess | None = None, *, use_rollup: bool = True
) -> list[FunnelStage]:
    """Per stage of a process: open count and amount, and stage-to-stage conversion: of the
    opportunities that reached a stage (furthest stage ≥ it), the share that reached the next.
    Three queries: stages, open sums per stage, opportunities per furthest stage reached."""
    process = process or default_funnel_process()
    if process is None:
        return []
    stages = list(Stage.objects.filter(process=process).order_by("order"))
    counts = rollup_counts(user, process) if use_rollup else None
    open_sums, reached_by_order = counts if counts is not None else live_counts(user, stages)
    result: list[FunnelStage] = []
    for stage in stages:
        # Cumulated over the handful of distinct stage orders, not over opportunities.
        reached = sum(n for top, n in reached_by_order.items() if top >= stage.order)
        open_count, open_amount = open_sums.get(stage.pk, (0, Decimal(0)))
        result.append(
            FunnelStage(
                stage=stage,
                open_count=open_count,
                open_amount=open_amount.quantize(CENT),
                reached=reached,
                conversion=None,
            )
        )
    for current, following in zip(result, result[1:], strict=False):
        if current.reached:
            current.conversion = (Decimal(following.reached) / Decimal(current.reached)).quantize(
                Decimal("0.0001")
            )
    return result
