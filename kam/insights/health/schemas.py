"""API shapes for pipeline health: flagged open opportunities by rule and by owner."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, Offset, TextSafeSchema
from kam.opportunities.schemas import HealthFlagOut


class HealthQuery(TextSafeSchema):
    rule: str | None = Field(
        None, max_length=40, description="Only opportunities flagged by this rule (its code)."
    )
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
