"""API shapes for the 1×5 process metrics and their scorecard."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema


class ScorecardQuery(Schema):
    date: str = Field("", max_length=10, description="YYYY-MM-DD in the latest cycle shown (default today).")
    team: str = Field("", max_length=20, description="Team id: reps in that team's subtree.")
    cycles: int = Field(4, ge=1, le=12, description="How many cycles, the latest one included.")


class ScorecardRef(Schema):
    id: int
    name: str


class ScorecardCycleOut(Schema):
    start: dt.date
    end: dt.date = Field(..., description="Last day of the cycle.")
    label: str
    current: bool = Field(..., description="Today falls in this cycle (still running).")


class ScorecardResultOut(Schema):
    count: int
    passed: bool = Field(..., description="count ≥ the metric's minimum.")


class ScorecardPersonOut(Schema):
    id: int
    name: str
    results: list[ScorecardResultOut] = Field(..., description="One per cycle, in the order of `cycles`.")


class ScorecardMetricOut(Schema):
    id: int
    name: str
    description: str
    cycle: str
    minimum: int
    cycles: list[ScorecardCycleOut] = Field(..., description="Oldest first.")
    people: list[ScorecardPersonOut]


class ScorecardOut(Schema):
    cycle_start: dt.date
    team: ScorecardRef | None = None
    metrics: list[ScorecardMetricOut]


class ProcessMetricOut(Schema):
    id: int
    name: str
    name_en: str
    kinds: list[str] = Field(
        ..., description="Activity kind codes; empty: every kind that counts as a visit."
    )
    tier: str | None = None
    decision_role: str | None = None
    cycle: str = Field(..., description="`week` or `month`.")
    minimum: int
    active: bool
    order: int
    description: str


class ProcessMetricIn(InputSchema):
    name: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=100)
    kinds: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=50, description="Activity kind codes."
    )
    tier: str = Field("", max_length=1, description="A–D, or empty for every customer.")
    decision_role: str = Field(
        "", max_length=20, description="A contact met holds this role in a decision chain."
    )
    cycle: str = Field(..., max_length=5, description="`week` or `month`.")
    minimum: int = Field(..., ge=1, le=1000)
    active: bool = True
    order: int = Field(0, ge=0, le=32767)


class ProcessMetricUpdateIn(InputSchema):
    name: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    kinds: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=50)
    tier: str | None = Field(None, max_length=1)
    decision_role: str | None = Field(None, max_length=20)
    cycle: str | None = Field(None, max_length=5)
    minimum: int | None = Field(None, ge=1, le=1000)
    active: bool | None = None
    order: int | None = Field(None, ge=0, le=32767)
