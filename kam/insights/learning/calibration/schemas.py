"""API shapes of the calibrated forecast. Money is a decimal string, ratios decimal fractions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema


class CalibrationQuery(Schema):
    period: Literal["month", "quarter", "year"] = Field("quarter", description="The kind of period chosen.")
    year: int | None = Field(None, ge=1900, le=9999, description="Default: this year.")
    quarter: int | None = Field(None, ge=1, le=4, description="With period=quarter; default: this quarter.")
    month: int | None = Field(None, ge=1, le=12, description="With period=month; default: this month.")


class CalibratedFiguresOut(Schema):
    won: Decimal = Field(..., description="Won in the period already.")
    commit: Decimal = Field(..., description="Open commit signing in the period, as stated.")
    best_case: Decimal = Field(..., description="Open best case signing in the period, as stated.")
    total: Decimal = Field(..., description="won + commit + best_case.")


class SlippedOut(Schema):
    commit: Decimal = Field(
        ..., description="Of the stated commit: the amount the rep's slips push past the period."
    )
    best_case: Decimal


class UsedOut(Schema):
    source: Literal["own", "team", "company", "none"] = Field(
        ..., description="Whose record the figure comes from: none means the stated figure stands."
    )
    value: Decimal = Field(..., description="A ratio (won ÷ called by amount) or a slip in days.")
    samples: int


class StageSlipOut(Schema):
    stage_order: int
    stage: str
    used: UsedOut
    own_samples: int
    own_average_days: int | None


class CallsOut(Schema):
    calls: int = Field(..., description="Closed calls in the history window.")
    called: Decimal
    won_calls: int
    won: Decimal
    ratio: Decimal | None = Field(..., description="Won ÷ called, by amount.")
    amount_change: Decimal | None = Field(
        ..., description="Percent the won deals' amounts moved from those called."
    )


class CalibrationRowOut(Schema):
    id: int | None
    label: str
    kind: Literal["rep", "team", "total"]
    team_id: int | None
    stated: CalibratedFiguresOut
    calibrated: CalibratedFiguresOut
    slipped: SlippedOut
    bias: list[str] = Field(..., description="The record in words, in the reader's language.")
    fallback: list[str] = Field(..., description="Where another record stood in for a too short one.")


class RepOut(CalibrationRowOut):
    ratios: dict[str, UsedOut] = Field(
        ..., description="Per category (commit, best_case): the ratio applied."
    )
    calls: dict[str, CallsOut] = Field(..., description="Per category: the rep's own closed calls.")
    slips: list[StageSlipOut]


class CalibrationOut(Schema):
    period: str
    start: dt.date
    end: dt.date
    history_since: dt.date = Field(..., description="Calls of the snapshots taken since this day are read.")
    reps: list[CalibrationRowOut]
    teams: list[CalibrationRowOut]
    total: CalibrationRowOut
