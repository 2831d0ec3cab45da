"""Pipeline health over JSON: the same report and engine as the Health page and the pipeline table."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from kam.core.api.helpers import READ_ERRORS, user_ref
from kam.core.web import current_user
from kam.insights.health.engine import REGISTRY
from kam.insights.health.report import HealthFilters, health_report, opportunity_health
from kam.insights.health.schemas import FlaggedOpportunityOut, HealthOut, HealthQuery
from kam.opportunities.flags import worst_severity

router = Router(tags=["health"])


def _flagged(o: Any, flags: list[Any]) -> dict[str, Any]:
    return {
        "id": o.pk,
        "project_number": o.project_number,
        "name": o.name,
        "customer": {"id": o.customer_id, "name": str(o.customer)},
        "owner": user_ref(o.owner),
        "stage": o.stage.code,
        "worst_severity": worst_severity(flags),
        "flags": [f.as_dict() for f in flags],
    }


@router.get("/health", response=HealthOut, summary="Flagged open opportunities by rule and by owner")
def health(request: HttpRequest, query: Query[HealthQuery]) -> dict[str, Any]:
    if query.rule and query.rule not in REGISTRY:
        raise ValidationError({"rule": [_("Choose one of: %(codes)s.") % {"codes": ", ".join(REGISTRY)}]})
    filters = HealthFilters(rule=query.rule, severity=query.severity, owner=query.owner, team=query.team)
    report = health_report(current_user(request), filters, offset=query.offset, limit=query.limit)
    return {
        "count": report["count"],
        "by_rule": report["by_rule"],
        "by_owner": [
            {
                "owner": {"id": row["owner_id"], "name": row["owner"]},
                **{k: row[k] for k in ("flagged", "critical", "warn", "info")},
            }
            for row in report["by_owner"]
        ],
        "items": [_flagged(o, o.health_flags) for o in report["items"]],
    }


@router.get(
    "/health/opportunities/{int:opportunity_id}",
    response={200: FlaggedOpportunityOut, **READ_ERRORS},
    summary="One opportunity's health flags",
)
def opportunity_flags(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    opportunity, flags = opportunity_health(current_user(request), opportunity_id)
    return _flagged(opportunity, flags)
