"""The funnel: open count and amount per stage of a sales process, and how many deals reached each stage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Sum,
)

from kam.access.visibility import opportunities_for
from kam.insights.forecast.selectors import CENT
from kam.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SalesProcess,
    Stage,
)
from kam.opportunities.selectors import EXPECTED_AMOUNT
from kam.org.models import User


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


def funnel(user: User | None, process: SalesProcess | None = None) -> list[FunnelStage]:
    """Per stage of a process: open count and amount, and stage-to-stage conversion: of the
    opportunities that reached a stage (furthest stage ≥ it), the share that reached the next.
    Three queries: stages, open sums per stage, opportunities per furthest stage reached."""
    process = process or default_funnel_process()
    if process is None:
        return []
    stages = list(Stage.objects.filter(process=process).order_by("order"))
    base = Opportunity.objects.all() if user is None else opportunities_for(user)
    # The stage ids already loaded, so neither GROUP BY joins the stage table (index-only on SQLite).
    base = base.filter(stage_id__in=[stage.pk for stage in stages])
    open_rows = {
        row["stage_id"]: row
        for row in base.filter(status=OpportunityStatus.OPEN)
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum(EXPECTED_AMOUNT))
        .order_by()
    }
    # Opportunities per furthest stage reached (kept on the opportunity by the stage services, so
    # a move back does not undo having reached the higher stage): one GROUP BY served by
    # opportunity_funnel_idx, no scan of the stage history.
    reached_rows = dict(
        base.values("furthest_stage_order")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("furthest_stage_order", "n")
    )
    result: list[FunnelStage] = []
    for stage in stages:
        # Cumulated over the handful of distinct stage orders, not over opportunities.
        reached = sum(n for top, n in reached_rows.items() if top >= stage.order)
        row = open_rows.get(stage.pk, {})
        result.append(
            FunnelStage(
                stage=stage,
                open_count=row.get("n", 0),
                open_amount=Decimal(row.get("total") or 0).quantize(CENT),
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
