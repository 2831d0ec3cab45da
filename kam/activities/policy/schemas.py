"""API shapes of the visit policy, demand against capacity, the what-if and the under-visited list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.activities.policy.selectors import MAX_PERIODS
from kam.activities.policy.services import (
    MAX_HOURS_PER_MONTH,
    MAX_HOURS_PER_VISIT,
    MAX_PERIOD_MONTHS,
    MAX_VISITS,
)
from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema

TierCode = str


class VisitPolicyOut(Schema):
    id: int | None = Field(None, description="None for a what-if row.")
    tier: str = Field(..., description="A–D, or empty for a segment row.")
    segment: str = Field(..., description="key, important or general, or empty for a tier row.")
    visits: int
    period_months: int = Field(..., description="Visits are per this many months.")
    hours_per_visit: Decimal
    visits_per_month: Decimal
    version: int | None = Field(None, description="Send it back in If-Match to change the row.")


class PolicyListOut(Schema):
    items: list[VisitPolicyOut]


class PolicyCreateIn(InputSchema):
    tier: str = Field("", max_length=1)
    segment: str = Field("", max_length=20)
    visits: int = Field(..., ge=1, le=MAX_VISITS)
    period_months: int = Field(1, ge=1, le=MAX_PERIOD_MONTHS)
    hours_per_visit: Decimal = Field(..., gt=0, le=MAX_HOURS_PER_VISIT, decimal_places=2)


class PolicyUpdateIn(InputSchema):
    visits: int | None = Field(None, ge=1, le=MAX_VISITS)
    period_months: int | None = Field(None, ge=1, le=MAX_PERIOD_MONTHS)
    hours_per_visit: Decimal | None = Field(None, gt=0, le=MAX_HOURS_PER_VISIT, decimal_places=2)


class LoadOut(Schema):
    customers: int
    demand_hours: Decimal = Field(..., description="Hours a month the policy asks.")
    capacity_hours: Decimal = Field(..., description="Selling hours a month of the people.")
    balance_hours: Decimal = Field(..., description="Capacity minus demand.")
    utilisation: Decimal | None = Field(None, description="Demand as a percentage of capacity.")
    customers_by_tier: dict[str, int]


class OwnerLoadOut(Schema):
    person: Ref
    team: str
    load: LoadOut


class TeamLoadOut(Schema):
    team: Ref | None = None
    load: LoadOut


class PolicyDemandOut(Schema):
    policy: VisitPolicyOut
    customers: int
    demand_hours: Decimal


class DemandOut(Schema):
    policies: list[PolicyDemandOut]
    owners: list[OwnerLoadOut]
    teams: list[TeamLoadOut]
    total: LoadOut
    uncovered_customers: int = Field(..., description="Customers no policy row covers.")


class ScopeQuery(TextSafeSchema):
    team: Id | None = Field(None, description="A team you see (its subtree).")


class WhatIfRowIn(InputSchema):
    tier: str = Field("", max_length=1)
    segment: str = Field("", max_length=20)
    visits: int = Field(..., ge=1, le=MAX_VISITS)
    period_months: int = Field(1, ge=1, le=MAX_PERIOD_MONTHS)
    hours_per_visit: Decimal = Field(..., gt=0, le=MAX_HOURS_PER_VISIT, decimal_places=4)


class WhatIfIn(InputSchema):
    team: Id | None = None
    policies: list[WhatIfRowIn] = Field(
        ...,
        min_length=1,
        max_length=20,
        description="The rows to try instead of the stored ones (nothing is saved).",
    )


class WhatIfOut(Schema):
    current: DemandOut
    tried: DemandOut


class CapacityIn(InputSchema):
    hours_per_month: Decimal = Field(..., ge=0, le=MAX_HOURS_PER_MONTH, decimal_places=1)


class CapacityOut(Schema):
    person: Ref
    hours_per_month: Decimal


class UnderVisitedQuery(TextSafeSchema):
    team: Id | None = None
    owner: Id | None = None
    tier: TierCode | None = Field(None, max_length=1)
    periods: int = Field(
        1, ge=1, le=MAX_PERIODS, description="How many of each policy's periods to look back."
    )
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


class UnderVisitedRowOut(Schema):
    customer: Ref
    tier: str
    owner: Ref
    required: int
    done: int
    gap: int
    last_touch_at: dt.datetime | None = None


class UnderVisitedOut(Schema):
    items: list[UnderVisitedRowOut]
    count: int
