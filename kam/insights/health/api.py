"""Pipeline health over JSON: the same report and engine as the Health page and the pipeline table."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kam.core.api.helpers import READ_ERRORS, Id, Offset, TextSafeSchema, user_ref
from kam.insights.health.engine import REGISTRY, HealthFilters, health_report, opportunity_health
from kam.opportunities.schemas import HealthFlagOut

router = Router(tags=["health"])


class HealthQuery(TextSafeSchema):
    rule: str | None = Field(None, description="Only opportunities flagged by this rule (its code).")
    severity: Literal["info", "warn", "critical"] | None = Field(
        None, description="Only opportunities flagged by a rule of this severity."
    )
    owner: Id | None = Field(None, description="Owner's user id.")
    team: Id | None = Field(None, description="Team id; includes the teams below it.")
    limit: int = Field(50, ge=1, le=200, description="Page size of the flagged list, at most 200.")
    offset: Offset = Field(0, description="Rows of the flagged list to skip.")


class RuleCountOut(Schema):
    code: str
    name: str
    severity: str
    count: int = Field(..., description="Open opportunities this rule flags.")


class OwnerCountOut(Schema):
    owner: dict[str, Any] = Field(..., description="The owner: id and name.")
    flagged: int = Field(..., description="Flagged open opportunities of this owner.")
    critical: int = Field(..., description="… whose worst flag is critical.")
    warn: int
    info: int


class FlaggedOpportunityOut(Schema):
    id: int
    project_number: str
    name: str
    customer: dict[str, Any]
    owner: dict[str, Any] | None
    stage: str = Field(..., description="Stage code, e.g. `P3`.")
    worst_severity: str | None
    flags: list[HealthFlagOut]


class HealthOut(Schema):
    count: int = Field(..., description="Flagged open opportunities matching the filters (all pages).")
    by_rule: list[RuleCountOut]
    by_owner: list[OwnerCountOut]
    items: list[FlaggedOpportunityOut] = Field(..., description="One page of the flagged list, worst first.")


def _flagged(o: Any, flags: list[Any]) -> dict[str, Any]:
    from kam.insights.health.engine import worst_severity

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
    report = health_report(request.user, filters, offset=query.offset, limit=query.limit)  # type: ignore[arg-type]
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
    opportunity, flags = opportunity_health(request.user, opportunity_id)  # type: ignore[arg-type]
    return _flagged(opportunity, flags)
