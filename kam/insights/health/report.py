"""The Health page and its API: flagged open opportunities in scope, counted and listed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
)

from kam.access.visibility import get_visible_opportunity, opportunities_for
from kam.core.ids import parse_id
from kam.insights.health.engine import HealthEngine
from kam.insights.health.rules import REGISTRY, SEVERITY_ORDER, Flag
from kam.opportunities.flags import RANK_FIELD
from kam.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    Stage,
)
from kam.org.models import User
from kam.org.visibility import team_subtree_ids


def stage_label(stage: Stage) -> str:
    return f"{stage.code} {stage.display_name}"


# --- the Health page and API ------------------------------------------------------------------


@dataclass
class HealthFilters:
    rule: str | None = None
    severity: str | None = None
    owner: int | None = None
    team: int | None = None

    @classmethod
    def from_mapping(cls, data: Any) -> HealthFilters:
        """Lenient parse of query parameters: an unknown value is ignored, not a 500."""

        def as_int(name: str) -> int | None:
            return parse_id(data.get(name))

        rule = data.get("rule") or None
        severity = data.get("severity") or None
        return cls(
            rule=rule if rule in REGISTRY else None,
            severity=severity if severity in SEVERITY_ORDER else None,
            owner=as_int("owner"),
            team=as_int("team"),
        )


def _scoped_open(user: User, filters: HealthFilters) -> QuerySet:

    qs = opportunities_for(user, Opportunity.objects.filter(status=OpportunityStatus.OPEN))
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([filters.team]))
    return qs


def health_report(
    user: User,
    filters: HealthFilters,
    *,
    offset: int = 0,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Flagged open opportunities the user may see: counts by rule and by owner (SQL aggregates),
    and one page of the flagged list with every flag of each row, in a fixed number of queries."""
    engine = HealthEngine(now)
    rules = engine.rules
    base = _scoped_open(user, filters)
    # Which rules decide that a row is listed: the chosen rule and/or severity, else all.
    chosen = [r for r in rules if (not filters.rule or r.code == filters.rule)]
    chosen = [r for r in chosen if (not filters.severity or r.severity == filters.severity)]
    listed_condition = engine.any_condition(chosen)
    annotated = engine.with_rank(base, alias=False)
    by_rule: list[dict[str, Any]] = []
    by_owner: list[dict[str, Any]] = []
    items: list[Opportunity] = []
    count = 0
    if listed_condition is not None:
        totals = annotated.aggregate(
            **{r.code: Count("pk", filter=r.condition()) for r in rules},
            flagged=Count("pk", filter=listed_condition),
        )
        count = totals.pop("flagged") or 0
        by_rule = [
            {"code": r.code, "name": r.row.display_name, "severity": r.severity, "count": totals[r.code] or 0}
            for r in rules
            if r in chosen
        ]
        owners = (
            annotated.filter(listed_condition)
            .values("owner_id", "owner__username", "owner__name")
            .annotate(
                flagged=Count("pk"),
                critical=Count("pk", filter=Q(**{RANK_FIELD: 3})),
                warn=Count("pk", filter=Q(**{RANK_FIELD: 2})),
                info=Count("pk", filter=Q(**{RANK_FIELD: 1})),
            )
            .order_by("-critical", "-warn", "-flagged", "owner__username")
        )
        by_owner = [
            {
                "owner_id": row["owner_id"],
                "owner": row["owner__name"] or row["owner__username"],
                "flagged": row["flagged"],
                "critical": row["critical"],
                "warn": row["warn"],
                "info": row["info"],
            }
            for row in owners
        ]
        if count:
            page = (
                annotated.filter(listed_condition)
                .select_related("customer", "owner", "stage")
                .order_by(F(RANK_FIELD).desc(), F("sign_date").asc(nulls_last=True), "id")[
                    offset : offset + limit
                ]
            )
            items = engine.attach(list(page))
    return {
        "rules": [r.row for r in rules],
        "by_rule": by_rule,
        "by_owner": by_owner,
        "count": count,
        "items": items,
        "offset": offset,
        "limit": limit,
    }


def opportunity_health(
    user: User, pk: int, *, now: dt.datetime | None = None
) -> tuple[Opportunity, list[Flag]]:
    """One opportunity the user may see (404 otherwise) and its flags."""
    opportunity = get_visible_opportunity(
        user, pk, queryset=Opportunity.objects.select_related("stage", "owner", "customer")
    )
    return opportunity, HealthEngine(now).flags_for([opportunity]).get(opportunity.pk, [])
