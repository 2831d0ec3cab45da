"""API shapes for the sales time analysis. Hours are decimals with one place; shares are fractions
with four places (0.4000 = 40 %), null when there is nothing to share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class TimeQuery(Schema):
    month: str = Field("", max_length=10, description="YYYY-MM, default this month.")
    team: str = Field("", max_length=20, description="Team id: people in that team's subtree.")
    owner: str = Field("", max_length=20, description="User id: that person's time only.")


class TimeRef(Schema):
    id: int
    name: str


class TimeCategoryOut(Schema):
    code: str
    label: str
    revenue_producing: bool


class TimeBandsOut(Schema):
    good_from: int = Field(..., description="Percent from which a share is `good` (DOMAIN.md §10: 40–50 %).")
    ordinary_from: int = Field(..., description="Percent from which a share is `ordinary` (15–25 %).")
    ordinary_to: int


class TimeRowOut(Schema):
    key: str = Field(..., description="User id, team id, or `total`.")
    label: str
    team: str | None = Field(None, description="The person's team (rows per rep).")
    hours: Decimal = Field(..., description="Σ duration of the done activities the person owns, hours.")
    revenue_hours: Decimal
    revenue_share: Decimal | None = Field(None, description="Revenue-producing hours ÷ hours.")
    band: str | None = Field(
        None,
        description="`good` (≥ 40 %), `between` (25–40 %), `ordinary` (15–25 %), `low` (< 15 %); null without hours.",
    )
    categories: dict[str, Decimal] = Field(..., description="Hours per time category code.")


class TimeTierOut(Schema):
    tier: str
    hours: Decimal
    hours_share: Decimal | None = None
    customers: int
    customer_share: Decimal | None = None
    gross_profit: Decimal = Field(..., description="Won deals of the 12 months up to the month's end, yuan.")
    gross_profit_share: Decimal | None = None


class TimeAnalysisOut(Schema):
    month: str
    team: TimeRef | None = None
    owner: TimeRef | None = None
    categories: list[TimeCategoryOut]
    bands: TimeBandsOut
    reps: list[TimeRowOut]
    teams: list[TimeRowOut]
    total: TimeRowOut
    tiers: list[TimeTierOut]
    months: list[TimeRowOut] = Field(
        ..., description="Everyone in scope per month: the chosen month and the five before it, oldest first."
    )
    profit_window_start: dt.date | None = None
    profit_window_end: dt.date | None = None
