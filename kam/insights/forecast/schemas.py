"""API shapes for the forecast, the funnel and targets. Money is a decimal string; ratios (attainment,
coverage, conversion) are decimal strings too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema
from kam.core.money import MONEY_DIGITS

Money = Decimal


# --- forecast -------------------------------------------------------------------------------------


class ForecastQuery(Schema):
    period: Literal["month", "quarter", "year"] = Field("quarter", description="The kind of period chosen.")
    year: int | None = Field(None, ge=1900, le=9999, description="Default: this year.")
    quarter: int | None = Field(None, ge=1, le=4, description="With period=quarter; default: this quarter.")
    month: int | None = Field(None, ge=1, le=12, description="With period=month; default: this month.")
    bucket: Literal["month", "quarter", "year"] | None = Field(
        None, description="Split the chosen period into months or quarters; default: the period itself."
    )
    group: Literal["rep", "team", "customer", "product_line"] = "team"


class FiguresOut(Schema):
    weighted: Money = Field(..., description="Σ expected amount × stage probability of open opportunities.")
    open_amount: Money = Field(..., description="Unweighted open pipeline.")
    commit: Money
    best_case: Money
    pipeline: Money
    omitted: Money
    won: Money
    open_count: int
    won_count: int


class TargetFiguresOut(Schema):
    target: Money | None = Field(None, description="Σ of the targets whose period lies in the chosen one.")
    attainment: Decimal | None = Field(None, description="won ÷ target (0.5 = 50 %).")
    gap: Money | None = Field(None, description="target − won.")
    remaining: Money | None = Field(None, description="max(target − won, 0).")
    coverage: Decimal | None = Field(
        None, description="open pipeline ÷ remaining target; null if none remains."
    )


class PeriodFiguresOut(FiguresOut):
    period: str


class GroupOut(Schema):
    key: Any = Field(..., description="User, team or customer id, or the product line.")
    label: str
    figures: FiguresOut
    target: TargetFiguresOut | None = None
    periods: list[PeriodFiguresOut]


class ForecastOut(Schema):
    period: str
    start: dt.date
    end: dt.date
    bucket: str
    group: str
    periods: list[PeriodFiguresOut]
    groups: list[GroupOut]
    totals: FiguresOut
    total_target: TargetFiguresOut | None = None


# --- funnel ---------------------------------------------------------------------------------------


class FunnelStageOut(Schema):
    stage: str = Field(..., description="Stage code, e.g. `P3`.")
    name: str
    order: int
    probability: int
    open_count: int
    open_amount: Money
    reached: int = Field(..., description="Opportunities whose history reached this stage or a later one.")
    conversion: Decimal | None = Field(
        None, description="Share of those reaching this stage that reached the next (0.5 = 50 %)."
    )


class FunnelOut(Schema):
    process: str
    stages: list[FunnelStageOut]


# --- targets --------------------------------------------------------------------------------------


class TargetOut(Schema):
    id: int
    user: dict[str, Any] | None = None
    team: dict[str, Any] | None = None
    period_start: dt.date
    period_end: dt.date
    amount: Money
    updated_at: dt.datetime
    version: int = Field(..., description="Send it back as If-Match when you change the target.")


class TargetIn(InputSchema):
    user: Id | None = Field(None, description="The person's id (or give team).")
    team: Id | None = Field(None, description="The team's id (or give user).")
    period_start: dt.date
    period_end: dt.date
    amount: Decimal = Field(..., ge=0, max_digits=MONEY_DIGITS, decimal_places=2)


class TargetPatch(InputSchema):
    user: Id | None = None
    team: Id | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=MONEY_DIGITS, decimal_places=2)


class TargetFilters(Schema):
    user: Id | None = Field(None, description="Only this person's targets.")
    team: Id | None = Field(None, description="Only this team's targets.")
    start: dt.date | None = Field(None, description="Targets whose period starts on or after this day.")
    end: dt.date | None = Field(None, description="Targets whose period ends on or before this day.")


class ForbiddenOut(Schema):
    detail: str = Field(..., description="Always `forbidden`: the user may not set this target.")
    message: str
