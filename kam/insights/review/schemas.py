"""API shapes for snapshots, what changed, forecast accuracy, portfolio shape and the priority matrix.
Money is a decimal string in yuan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Offset
from kam.insights.review import selectors as review_selectors

# --- snapshots ------------------------------------------------------------------------------------


class UserRefOut(Schema):
    id: int
    name: str


class SnapshotOut(Schema):
    id: int
    taken_at: dt.datetime
    taken_by: UserRefOut | None = None
    note: str
    rows: int = Field(
        ..., description="Open opportunities stored (all of them, whatever the caller may see)."
    )


class SnapshotListOut(Schema):
    items: list[SnapshotOut]


class SnapshotsQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Snapshots to skip.")


class SnapshotIn(InputSchema):
    note: str = Field("", max_length=200, description="A short note shown next to the snapshot.")


# --- what changed ---------------------------------------------------------------------------------


class ChangeRowOut(Schema):
    opportunity_id: int | None
    url: str | None
    project_number: str
    name: str
    owner: str | None
    customer: str | None
    stage_before: str | None = Field(None, description="Stage code in the earlier snapshot.")
    stage_after: str | None = Field(None, description="Stage code now or in the later snapshot (open rows).")
    amount_before: Decimal | None
    amount_after: Decimal | None = None
    amount_delta: Decimal | None = None
    sign_date_before: dt.date | None
    sign_date_after: dt.date | None = None
    status: str | None = Field(None, description="Current status (rows that left the open pipeline).")
    closed_at: dt.datetime | None = None
    close_reason: str | None = None
    lost_to: str | None = None


class ChangeSectionOut(Schema):
    key: str = Field(
        ..., description="new, advanced, moved_back, slipped, amount_changed, won, lost, dropped or removed."
    )
    title: str
    count: int
    amount: Decimal = Field(
        ..., description="Σ amount: now for open sections, at the earlier snapshot for won/lost/dropped."
    )
    amount_delta: Decimal | None = Field(None, description="amount_changed only: Σ (after − before).")
    rows: list[ChangeRowOut] = Field(..., description=f"At most {review_selectors.SECTION_ROW_LIMIT} rows.")


class ChangesOut(Schema):
    before: SnapshotOut | None
    after: SnapshotOut | None = Field(None, description="Null: compared with the live pipeline.")
    sections: list[ChangeSectionOut]


class ChangesQuery(Schema):
    a: Id | None = Field(None, description="Earlier snapshot id; default: the second latest (or the latest).")
    b: str | None = Field(
        None,
        max_length=20,
        description="Later snapshot id, or `now` for the live pipeline; default: the latest.",
    )


# --- forecast accuracy ----------------------------------------------------------------------------


class AccuracyOwnerOut(Schema):
    owner_id: int | None
    owner_name: str
    forecast: Decimal
    commit: Decimal
    pipeline: Decimal
    forecast_count: int
    won: Decimal
    won_count: int


class AccuracyOut(Schema):
    period: str
    start: dt.date
    end: dt.date
    snapshot: SnapshotOut | None = Field(None, description="The snapshot whose forecast is judged.")
    forecast: Decimal = Field(
        ..., description="Σ amount × probability of the snapshot's rows signing in the period."
    )
    commit: Decimal = Field(..., description="Σ amount of those rows in the commit category.")
    pipeline: Decimal = Field(..., description="Σ amount of those rows (unweighted).")
    forecast_count: int
    won: Decimal = Field(..., description="Σ amount of opportunities won with a sign date in the period.")
    won_count: int
    difference: Decimal = Field(..., description="won − forecast.")
    ratio: Decimal | None = Field(None, description="won ÷ forecast in %, null without a forecast.")
    by_owner: list[AccuracyOwnerOut]


class AccuracyQuery(Schema):
    period: str | None = Field(
        None,
        max_length=20,
        description="A month `2026-03` or a quarter `2026 Q1`; default the last closed quarter.",
    )
    snapshot: Id | None = Field(
        None, description="Snapshot id; default the latest taken before the period began."
    )


# --- portfolio shape ------------------------------------------------------------------------------


class PortfolioStageOut(Schema):
    id: int
    code: str
    name: str
    order: int


class StageCellOut(Schema):
    stage_id: int
    count: int
    amount: Decimal


class DiagnosisOut(Schema):
    code: str = Field(..., description="few, follow_up_only, development_only, balanced or middle.")
    label: str
    reasoning: str = Field(..., description="The diagnosis in words, with the numbers.")
    open_count: int
    early: int
    late: int
    early_share: int = Field(..., description="Rounded %.")
    late_share: int = Field(..., description="Rounded %.")


class ShapeOut(Schema):
    id: int
    name: str
    count: int
    amount: Decimal
    stages: list[StageCellOut]
    diagnosis: DiagnosisOut


class PolicyOut(Schema):
    early_max_order: int
    late_min_order: int
    min_share: int
    min_open: int


class PortfolioOut(Schema):
    policy: PolicyOut
    stages: list[PortfolioStageOut]
    reps: list[ShapeOut]
    teams: list[ShapeOut] = Field(
        ..., description="Teams the caller runs (all for a director); empty for a rep."
    )


class PortfolioQuery(Schema):
    team: Id | None = Field(None, description="Only this team (one the caller runs); 404 for any other.")


# --- priority matrix ------------------------------------------------------------------------------


class MatrixPointOut(Schema):
    id: int
    project_number: str
    name: str
    owner: str
    customer: str
    stage: str
    probability: int = Field(..., description="Stage probability in %.")
    relationship_score: int = Field(..., description="0–100.")
    value: Decimal = Field(..., description="Expected amount in yuan.")
    likelihood: Decimal = Field(
        ..., description="probability × (0.5 + 0.5 × relationship_score ÷ 100), in %."
    )
    quadrant: str = Field(..., description="act_now, go_after, take_when_comes or shelve.")
    url: str


class MatrixOut(Schema):
    value_threshold: Decimal
    threshold_is_median: bool
    likelihood_threshold: Decimal
    log_scale: bool = Field(..., description="True when the values span more than 100×.")
    total: int = Field(
        ..., description="Open opportunities with an amount (points: at most 1000, the largest)."
    )
    without_amount: int
    quadrant_labels: dict[str, str]
    points: list[MatrixPointOut]


class MatrixQuery(Schema):
    value: Decimal | None = Field(
        None, ge=0, lt=Decimal("1e14"), description="Value threshold in yuan; default the median."
    )
    owner: Id | None = None
    team: Id | None = Field(None, description="Includes the teams below it.")
    customer: Id | None = None
