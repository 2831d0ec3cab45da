"""The plan's history and revisions as the reviews write them."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from kam.org.models import User
from kam.planning.accountplans.models import AccountPlan, PlanChange, PlanRevision

SECTIONS = (
    "executive_summary",
    "strategic_choices",
    "business_risks",
    "customer_objectives",
    "revenue_target",
    "contribution_target",
    "cost_to_serve",
    "total_demand",
    "target_share",
    "action_plan_year",
    "action_plan_outline",
    "resources",
    "budget",
)


def record_change(
    plan: AccountPlan, *, by: User, action: str, summary: str = "", changes: dict[str, Any] | None = None
) -> PlanChange:
    return PlanChange.objects.create(
        plan=plan, action=action, changed_by=by, summary=summary[:300], changes=changes or {}
    )


def snapshot(plan: AccountPlan, *, by: User, reason: str) -> PlanRevision:
    last = PlanRevision.objects.filter(plan=plan).aggregate(n=Max("number"))["n"] or 0
    data = {name: getattr(plan, name) for name in SECTIONS}
    data = {k: (str(v) if v is not None and not isinstance(v, str) else v) for k, v in data.items()}
    return PlanRevision.objects.create(
        plan=plan, number=last + 1, snapshot=data, reason=reason[:200], created_by=by
    )
