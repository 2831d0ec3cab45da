"""API shapes for the 360° customer page's figures: group roll-ups, the customer's forecast and its history. Money is a decimal string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.core.api.helpers import DEFAULT_LIMIT, MAX_LIMIT, Offset, Ref

Money = Decimal


# --- group roll-up --------------------------------------------------------------------------------


class RollupOut(Schema):
    open_count: int = Field(..., description="Open opportunities.")
    open_amount: Money = Field(..., description="Σ expected amount of open opportunities.")
    weighted: Money = Field(..., description="Σ expected amount × stage probability of open opportunities.")
    won_12m: Money = Field(..., description="Σ expected amount won (closed) in the last 12 months.")
    won_count_12m: int


class ParentOut(Schema):
    id: int
    name: str
    visible: bool = Field(..., description="Whether you may open this customer.")


class GroupNodeOut(Schema):
    id: int
    name: str
    parent_id: int | None = Field(
        ..., description="The nearest ancestor listed here (subsidiaries you cannot see are skipped)."
    )
    depth: int = Field(..., description="Levels below the requested customer, as listed here.")
    own: RollupOut = Field(..., description="This company's own opportunities.")
    subtree: RollupOut = Field(..., description="This company and all its subsidiaries.")


class HiddenOut(Schema):
    count: int = Field(..., description="Subsidiaries in the group you may not open.")
    figures: RollupOut = Field(..., description="Their opportunities that you may see.")


class GroupRollupOut(Schema):
    customer: Ref
    since: dt.datetime = Field(..., description="Start of the 12-month window of won_12m.")
    parents: list[ParentOut] = Field(..., description="The parent chain, root group first.")
    nodes: list[GroupNodeOut] = Field(
        ..., description="The customer, then its visible subsidiaries (any depth), parents first."
    )
    hidden: HiddenOut
    total: RollupOut = Field(..., description="The whole subtree: only opportunities you may see.")
    truncated: bool = Field(..., description="The hierarchy was deeper than the walk goes.")


# --- forecast -------------------------------------------------------------------------------------


class CustomerFiguresOut(Schema):
    open_amount: Money = Field(..., description="Unweighted open pipeline.")
    weighted: Money
    commit: Money
    best_case: Money
    pipeline: Money
    omitted: Money
    won: Money
    open_count: int
    won_count: int


class QuarterOut(Schema):
    period: str = Field(..., description="e.g. 2027 Q3")
    start: dt.date
    end: dt.date
    figures: CustomerFiguresOut


class YearOut(Schema):
    year: int
    figures: CustomerFiguresOut = Field(
        ..., description="Every quarter of the calendar year; `won` is what was won so far this year."
    )


class CustomerForecastOut(Schema):
    customer: Ref
    quarters: list[QuarterOut] = Field(..., description="This quarter and the next three.")
    totals: CustomerFiguresOut = Field(..., description="The four quarters added up.")
    year: YearOut


# --- history --------------------------------------------------------------------------------------


class CustomerHistoryQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: Offset = 0


class CustomerChangeOut(Schema):
    id: int
    changed_at: dt.datetime
    changed_by: Ref | None = Field(None, description="Null when the system wrote it (e.g. a rescore).")
    summary: str


class CustomerHistoryOut(Schema):
    items: list[CustomerChangeOut]
    count: int
