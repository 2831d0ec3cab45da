"""API shapes for the customer pyramid. Money is a decimal string in yuan; shares are fractions of
the total with four places (0.6400 = 64 %), null when the total is zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class PyramidQuery(Schema):
    by: str = Field(
        "segment", max_length=20, description="`segment` (key, important, general) or `tier` (A–D)."
    )
    team: str = Field("", max_length=20, description="Team id: customers owned in that team's subtree.")
    owner: str = Field("", max_length=20, description="User id: customers that person owns.")
    as_of: str = Field(
        "", max_length=20, description="YYYY-MM-DD, default today: money counts the 12 months up to this day."
    )


class NamedRef(Schema):
    id: int
    name: str


class PyramidGroupOut(Schema):
    key: str = Field(..., description="Segment code or tier letter; `total` for the totals.")
    label: str
    customers: int
    customer_share: Decimal | None = Field(None, description="Fraction of all customers (0.04 = 4 %).")
    revenue: Decimal = Field(..., description="Σ expected amount of won deals in the window, yuan.")
    revenue_share: Decimal | None = None
    gross_profit: Decimal = Field(..., description="Σ won amount × gross margin ÷ 100, yuan.")
    gross_profit_share: Decimal | None = None
    won_deals: int
    deals_without_margin: int = Field(..., description="Won deals counted in revenue but not in profit.")
    revenue_without_margin: Decimal
    sales_hours: Decimal | None = Field(
        None, description="Hours of done activities on the group's customers in the window (one decimal)."
    )
    sales_hours_share: Decimal | None = Field(
        None, description="Fraction of all those hours; null without any."
    )
    profit_factor: Decimal | None = Field(None, description="gross_profit_share ÷ customer_share.")
    highlight: str = Field(
        ...,
        description="`over` (profit share ≥ large_factor × customer share), `under` (≤ 1/large_factor) or empty.",
    )
    callout: str = Field(..., description="The mismatch in words, in the request's language.")


class PyramidOut(Schema):
    by: str
    as_of: dt.date
    window_start: dt.date = Field(..., description="First day whose won deals count.")
    window_end: dt.date = Field(..., description="Last day whose won deals count (the as-of date).")
    team: NamedRef | None = None
    owner: NamedRef | None = None
    large_factor: Decimal
    groups: list[PyramidGroupOut] = Field(..., description="Key → general, or A → D.")
    totals: PyramidGroupOut
