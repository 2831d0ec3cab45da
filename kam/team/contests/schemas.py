from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref

MetricChoice = Literal["won_amount", "new_key_accounts", "decision_maker_visits"]
KindChoice = Literal["people", "teams"]


class ContestBonusRow(Schema):
    rank: int = Field(..., ge=1, le=1000)
    bonus: Decimal = Field(..., ge=0, max_digits=15, decimal_places=2)


class ContestBonusRowIn(ContestBonusRow, InputSchema):
    """A row of the bonus table as sent: its own component, so the amount is described as read (a
    number, or a bounded decimal string) and not as written back."""


class ContestStandingOut(Schema):
    rank: int
    participant: Ref
    kind: KindChoice
    score: Decimal
    bonus: Decimal


class ContestOut(Schema):
    id: int
    name: str
    description: str
    period_start: dt.date
    period_end: dt.date
    metric: MetricChoice
    participant_kind: KindChoice
    state: str = Field(..., description="`upcoming`, `running`, `ended` (awaiting results) or `finished`.")
    people: list[Ref]
    teams: list[Ref]
    bonuses: list[ContestBonusRow]
    created_by: Ref | None
    finished_at: dt.datetime | None
    version: int = Field(..., description="Send it back in If-Match to change the contest.")


class ContestDetailOut(ContestOut):
    ranking: list[ContestStandingOut] = Field(
        ..., description="Live while running; the frozen results once finished. Equal scores share a rank."
    )


class ContestCreateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=10000)
    period_start: dt.date
    period_end: dt.date
    metric: MetricChoice
    participant_kind: KindChoice = "people"
    people: list[Id] = Field(default_factory=list, max_length=500)
    teams: list[Id] = Field(default_factory=list, max_length=200)
    bonuses: list[ContestBonusRowIn] = Field(default_factory=list, max_length=100)


class ContestUpdateIn(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10000)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    metric: MetricChoice | None = None
    people: list[Id] | None = Field(None, max_length=500)
    teams: list[Id] | None = Field(None, max_length=200)
    bonuses: list[ContestBonusRowIn] | None = Field(
        None, max_length=100, description="Replaces the whole bonus table."
    )
