"""API shapes for the scoring model, a customer's score breakdown, static values and tier overrides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref
from kam.core.money import MONEY_DIGITS
from kam.customers.scoring import services as scoring_services

TierChoice = Literal["A", "B", "C", "D"]
# One literal, not `TierChoice | Literal[""]`: a union reports its errors per member
# (`tier.literal['']`), not under the field's own name.
TierOrNone = Literal["A", "B", "C", "D", ""]
SegmentChoice = Literal["key", "important", "general"]
KindChoice = Literal["static", "dynamic"]
SourceChoice = Literal[
    "",
    "years_as_customer",
    "won_amount_12m",
    "share_of_wallet",
    "gross_profit_12m",
    "open_weighted_pipeline",
    "growth_yoy",
    "satisfaction",
    "churn_risk",
]
Points = Field(..., ge=0, le=100, max_digits=5, decimal_places=2)


# --- the model ---------------------------------------------------------------------------------------


class BandOut(Schema):
    id: int
    label: str
    label_en: str
    display_label: str = Field(..., description="The label in the request's language.")
    min_value: Decimal | None = Field(
        None, description="Dynamic criteria: from (inclusive); null = no lower end."
    )
    max_value: Decimal | None = Field(
        None, description="Dynamic criteria: to (exclusive); null = no upper end."
    )
    points: Decimal
    position: int
    customers: int = Field(..., description="Static criteria: how many customers chose this band.")


class CriterionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    display_name: str
    kind: KindChoice
    source: str = Field(..., description="What a dynamic criterion is computed from; empty for static ones.")
    weight: Decimal
    weight_share: Decimal | None = Field(
        None, description="Share of the sum of active weights, in % (null: inactive, so no weight)."
    )
    position: int
    is_active: bool
    bands: list[BandOut]


class ThresholdOut(Schema):
    tier: TierChoice
    min_score: Decimal = Field(..., description="The tier starts at this total score (inclusive).")
    segment: SegmentChoice


class ScoringModelOut(Schema):
    id: int
    name: str
    version: int = Field(..., description="Send it in If-Match to change the model (it is also the ETag).")
    updated_at: dt.datetime
    total_weight: Decimal = Field(..., description="Sum of the active criteria's weights.")
    formula: str = Field(..., description="How the total is computed, in words.")
    last_computed_at: dt.datetime | None = Field(None, description="When the latest score was computed.")
    recompute_pending: bool = Field(
        ...,
        description="Some scores were computed with an earlier version of the model: a recompute is on its way.",
    )
    criteria: list[CriterionOut] = Field(..., description="All criteria in their order, inactive ones too.")
    thresholds: list[ThresholdOut] = Field(..., description="A first.")


class BandIn(InputSchema):
    id: Id | None = Field(
        None, description="An existing band of this criterion to keep (customers' choices stay)."
    )
    label: str = Field(..., min_length=1, max_length=100)
    label_en: str = Field("", max_length=100)
    min_value: Decimal | None = Field(None, max_digits=MONEY_DIGITS, decimal_places=2)
    max_value: Decimal | None = Field(None, max_digits=MONEY_DIGITS, decimal_places=2)
    points: Decimal = Points

    def to_input(self) -> scoring_services.BandInput:
        return scoring_services.BandInput(
            id=self.id,
            label=self.label,
            label_en=self.label_en,
            min_value=self.min_value,
            max_value=self.max_value,
            points=self.points,
        )


class CriterionCreateIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    kind: KindChoice
    source: SourceChoice = Field("", description="Required for a dynamic criterion, empty for a static one.")
    weight: Decimal = Points
    position: int | None = Field(None, ge=0, le=32767, description="Default: after the last criterion.")
    is_active: bool = True
    bands: list[BandIn] = Field(default_factory=list, description="Optional: the bands, in order.")


class CriterionUpdateIn(InputSchema):
    """Only the fields sent are changed; code, kind and source are fixed once a criterion exists."""

    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    weight: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    is_active: bool | None = None
    position: int | None = Field(None, ge=0, le=32767)


class BandsIn(InputSchema):
    bands: list[BandIn] = Field(
        ..., description="Every band of the criterion, in order; a band left out is deleted."
    )
    confirm_delete: bool = Field(
        False, description="Delete bands customers have chosen (their choice is cleared); refused otherwise."
    )


class ThresholdIn(InputSchema):
    tier: TierChoice
    min_score: Decimal = Points
    segment: SegmentChoice


class ThresholdsIn(InputSchema):
    thresholds: list[ThresholdIn] = Field(..., description="One per tier A–D; A needs the highest score.")


# --- a customer's score ------------------------------------------------------------------------------


class CriterionRef(Schema):
    id: int
    code: str
    name: str


class BandRef(Schema):
    id: int
    label: str
    points: Decimal


class BreakdownOut(Schema):
    criterion: CriterionRef
    kind: KindChoice
    source: str
    scored: bool = Field(..., description="False: the criterion is newer than the last recompute.")
    input: Decimal | None = Field(
        None, description="A dynamic criterion's value; null = no data, or not shown (input_hidden)."
    )
    input_hidden: bool = Field(
        False,
        description="The input sums the customer's deals and you may not see all of them: its band "
        "and points are given, the figure is not.",
    )
    input_display: str = Field(
        ..., description="The input as the page shows it (money, %, years, the value)."
    )
    band: BandRef | None = Field(None, description="The band hit (null: no input, 0 points).")
    chosen_band: int | None = Field(None, description="Static criteria: the band chosen now.")
    points: Decimal | None
    weight: Decimal
    contribution: Decimal | None = Field(None, description="points × weight ÷ Σ weights.")
    next_band: BandRef | None = Field(None, description="The smallest step up for this criterion.")
    next_gain: Decimal | None = Field(None, description="What the next band would add to the total.")
    options: list[BandRef] = Field(..., description="Static criteria: the values to choose from.")


class NextTierOut(Schema):
    tier: TierChoice
    min_score: Decimal
    points_needed: Decimal


class CustomerScoreOut(Schema):
    customer: Ref
    scored: bool = Field(..., description="False until the customer's first recompute.")
    total: Decimal | None
    computed_tier: str = Field(..., description="The tier the score gives.")
    tier: str = Field(..., description="The effective tier: the override if any, else the computed tier.")
    tier_override: str
    segment: str
    computed_at: dt.datetime | None
    model_version: int | None = Field(None, description="Version of the active scoring model.")
    next_tier: NextTierOut | None = Field(None, description="Null at the top tier or when not scored.")
    breakdown: list[BreakdownOut]


class StaticValueIn(InputSchema):
    band: Id | None = Field(..., description="Id of one of the criterion's bands; null clears the value.")
    expected_band: Id | None = Field(
        ...,
        description="The band you saw (null: not set). If someone changed it since, the write is "
        "refused with 412 instead of replacing their choice.",
    )


class TierOverrideOut(Schema):
    id: int
    tier: str = Field(..., description="The tier set; empty: the override was removed.")
    previous_tier: str = Field(..., description="The effective tier before.")
    computed_tier: str = Field(..., description="The computed tier at the time.")
    computed_score: Decimal | None
    reason: str
    created_by: Ref | None
    created_at: dt.datetime


class TierOverrideIn(InputSchema):
    tier: TierOrNone = Field(..., description="A–D, or empty to remove the override.")
    reason: str = Field(..., max_length=2000, description="Required: kept in the customer's history.")
    expected_override: TierOrNone = Field(
        ..., description="The override you saw (empty: none); a changed override is refused with 412."
    )


class TierOverrideResultOut(Schema):
    override: TierOverrideOut
    tier: str = Field(..., description="The customer's effective tier now.")
    segment: str
