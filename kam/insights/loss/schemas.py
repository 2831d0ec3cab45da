"""API shapes for the loss diagnosis. Money is a decimal string in yuan (expected amounts); shares
are fractions with four places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class LossQuery(Schema):
    start: str = Field(
        "", max_length=10, description="YYYY-MM-DD, first day of closes counted (default 1 January)."
    )
    end: str = Field("", max_length=10, description="YYYY-MM-DD, last day counted (default today).")
    team: str = Field("", max_length=20, description="Team id: deals owned in that team's subtree.")
    process: str = Field("", max_length=40, description="Sales process code (default: the default process).")


class LossRef(Schema):
    id: int
    name: str


class LossTallyOut(Schema):
    key: str
    label: str
    lost: int
    dropped: int
    count: int
    amount: Decimal = Field(..., description="Σ expected amount, yuan.")


class LossStoppedOut(LossTallyOut):
    stage: str = Field(..., description="Code of the furthest stage the deals reached.")


class LossRepOut(LossTallyOut):
    team: str | None = None


class LossFunnelStepOut(Schema):
    stage: str
    name: str
    next_stage: str | None = None
    entered: int = Field(..., description="Deals closed in the period that entered this stage.")
    reached_next: int | None = Field(None, description="Of those, the ones that reached the next stage.")
    leaked: int
    leak_share: Decimal | None = None


class LossDiagnosisOut(Schema):
    start: dt.date
    end: dt.date
    team: LossRef | None = None
    process: str | None = None
    closed: int = Field(
        ..., description="Deals closed (won, lost or dropped) in the period: the funnel's base."
    )
    total: LossTallyOut
    stopped: list[LossStoppedOut]
    reasons: list[LossTallyOut]
    competitors: list[LossTallyOut]
    reps: list[LossRepOut]
    teams: list[LossTallyOut]
    funnel: list[LossFunnelStepOut]
    largest_leak: LossFunnelStepOut | None = None
    largest_leak_text: str
