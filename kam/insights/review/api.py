"""Snapshots, what changed, forecast accuracy, portfolio shape and the priority matrix as JSON.

Every figure is scoped by kam.org.visibility: a rep gets their own opportunities, a manager their
team's, a director everything. Money is a decimal string in yuan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kam.core.api.helpers import READ_ERRORS, ErrorOut, Id, InputSchema, Offset, ValidationErrorOut, user_ref
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.insights.models import Snapshot
from kam.insights.review import portfolio as portfolio_selectors
from kam.insights.review import snapshots as snapshot_selectors
from kam.opportunities.selectors import PipelineFilters

router = Router(tags=["analysis"])


def _snapshot(snapshot_id: int | None) -> Snapshot | None:
    if snapshot_id is None:
        return None
    snapshot = Snapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        raise Http404
    return snapshot


def _row_counts(*snapshots: Snapshot | None) -> dict[int, int]:
    """Rows stored per snapshot (one grouped query)."""
    ids = [s.pk for s in snapshots if s is not None]
    counts = dict(Snapshot.objects.filter(pk__in=ids).annotate(n=Count("rows")).values_list("pk", "n"))
    return {pk: counts.get(pk, 0) for pk in ids}


# --- snapshots ---------------------------------------------------------------------------------


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


def _snapshot_out(snapshot: Snapshot, rows: int) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "taken_at": snapshot.taken_at,
        "taken_by": user_ref(snapshot.taken_by),
        "note": snapshot.note,
        "rows": rows,
    }


@router.get("/snapshots", url_name="analysis_snapshots", response={200: SnapshotListOut})
def list_snapshots(request: HttpRequest, query: Query[SnapshotsQuery]) -> dict[str, Any]:
    """Snapshots, newest first."""
    items = snapshot_selectors.snapshot_list(limit=query.limit, offset=query.offset)
    return {"items": [_snapshot_out(s, s.row_count) for s in items]}  # type: ignore[attr-defined]


@router.post(
    "/snapshots",
    url_name="analysis_take_snapshot",
    response={201: SnapshotOut, 403: ErrorOut, 422: ValidationErrorOut},
)
def create_snapshot(request: HttpRequest, payload: SnapshotIn) -> Status:
    """Take a snapshot now (directors and administrators; it stores every open opportunity)."""
    user = current_user(request)
    if not user.sees_everything:
        raise HttpError(403, "forbidden")
    snapshot = snapshot_selectors.take_snapshot(by=user, note=payload.note)
    return Status(201, _snapshot_out(snapshot, snapshot.rows.count()))


# --- what changed ------------------------------------------------------------------------------


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
    rows: list[ChangeRowOut] = Field(..., description=f"At most {snapshot_selectors.SECTION_ROW_LIMIT} rows.")


class ChangesOut(Schema):
    before: SnapshotOut | None
    after: SnapshotOut | None = Field(None, description="Null: compared with the live pipeline.")
    sections: list[ChangeSectionOut]


class ChangesQuery(Schema):
    a: Id | None = Field(None, description="Earlier snapshot id; default: the second latest (or the latest).")
    b: str | None = Field(
        None, description="Later snapshot id, or `now` for the live pipeline; default: the latest."
    )


def _row_out(row: dict[str, Any], left: bool) -> dict[str, Any]:
    out = {
        "opportunity_id": row["opp_id"],
        "url": row["url"],
        "project_number": row["number"],
        "name": row["label"],
        "owner": row["owner_name"],
        "customer": row["customer_name"],
        "stage_before": row["prev_stage"],
        "amount_before": row["prev_amount"],
        "sign_date_before": row["prev_sign"],
    }
    if left:
        out.update(
            status=row["cur_status"],
            closed_at=row["closed_at"],
            close_reason=row["close_reason"],
            lost_to=row["lost_to_name"],
        )
    else:
        out.update(
            stage_after=row["cur_stage"],
            amount_after=row["cur_amount"],
            amount_delta=row.get("delta"),
            sign_date_after=row["cur_sign"],
        )
    return out


@router.get(
    "/changes",
    url_name="analysis_changes",
    response={200: ChangesOut, **READ_ERRORS, 422: ValidationErrorOut},
)
def what_changed(request: HttpRequest, query: Query[ChangesQuery]) -> dict[str, Any]:
    """What changed between two snapshots (or a snapshot and now): the weekly meeting's first page.

    An opportunity appears in every section that applies (advanced and slipped, say); unchanged
    ones are not listed. Rows are those the caller may see.
    """
    user = current_user(request)
    live = (query.b or "").strip().lower() == "now"
    after = None
    if query.b and not live:
        pk = parse_id(query.b)
        if pk is None:
            raise Http404
        after = _snapshot(pk)
    before = _snapshot(query.a)
    if before is None:
        default_before, default_after = snapshot_selectors.latest_two()
        before = default_before
        if after is None and not live:
            after = default_after
    if before is None:
        return {"before": None, "after": None, "sections": []}
    report = snapshot_selectors.changes(user, before, after)
    counts = _row_counts(before, after)
    return {
        "before": _snapshot_out(before, counts.get(before.pk, 0)),
        "after": _snapshot_out(after, counts.get(after.pk, 0)) if after else None,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "count": s.count,
                "amount": s.amount,
                "amount_delta": s.delta,
                "rows": [_row_out(r, s.left) for r in s.rows],
            }
            for s in report.sections
        ],
    }


# --- forecast accuracy -------------------------------------------------------------------------


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


@router.get(
    "/accuracy",
    url_name="analysis_accuracy",
    response={200: AccuracyOut, 404: ErrorOut, 422: ValidationErrorOut},
)
def forecast_accuracy(request: HttpRequest, query: Query[AccuracyQuery]) -> dict[str, Any]:
    """What a past snapshot forecast for a closed period against what was won in it."""
    user = current_user(request)
    period = (query.period or "").strip()
    parsed = snapshot_selectors.parse_period(period) if period else snapshot_selectors.last_closed_quarter()
    chosen = _snapshot(query.snapshot)
    if chosen is None and parsed is not None:
        chosen = snapshot_selectors.snapshots_before(parsed.start).first()
    errors = snapshot_selectors.accuracy_errors(parsed, chosen)
    if errors or parsed is None:
        raise ValidationError({key: [message] for key, message in errors.items()})
    result = snapshot_selectors.forecast_accuracy(user, parsed, chosen)
    return {
        "period": parsed.label,
        "start": parsed.start,
        "end": parsed.end,
        "snapshot": _snapshot_out(chosen, _row_counts(chosen)[chosen.pk]) if chosen else None,
        "forecast": result.forecast,
        "commit": result.commit,
        "pipeline": result.pipeline,
        "forecast_count": result.forecast_count,
        "won": result.won,
        "won_count": result.won_count,
        "difference": result.error,
        "ratio": result.ratio,
        "by_owner": result.by_owner,
    }


# --- portfolio shape ---------------------------------------------------------------------------


class StageOut(Schema):
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
    stages: list[StageOut]
    reps: list[ShapeOut]
    teams: list[ShapeOut] = Field(
        ..., description="Teams the caller runs (all for a director); empty for a rep."
    )


def _shape_out(
    shape: portfolio_selectors.PortfolioShape, row: portfolio_selectors.ShapeRow
) -> dict[str, Any]:
    d = row.diagnosis
    return {
        "id": row.key,
        "name": row.name,
        "count": row.total_count,
        "amount": row.total_amount,
        "stages": [
            {
                "stage_id": s.pk,
                "count": row.counts.get(s.pk, 0),
                "amount": row.amounts.get(s.pk, Decimal("0.00")),
            }
            for s in shape.stages
        ],
        "diagnosis": {
            "code": d.code,
            "label": d.label,
            "reasoning": d.reasoning,
            "open_count": d.open_count,
            "early": d.early,
            "late": d.late,
            "early_share": d.early_share,
            "late_share": d.late_share,
        },
    }


class PortfolioQuery(Schema):
    team: Id | None = Field(None, description="Only this team (one the caller runs); 404 for any other.")


@router.get("/portfolio", url_name="analysis_portfolio", response={200: PortfolioOut, **READ_ERRORS})
def portfolio_shape(request: HttpRequest, query: Query[PortfolioQuery]) -> dict[str, Any]:
    """Open count and amount per stage of the default process per rep and per team, with the diagnosis."""
    user = current_user(request)
    team_id = None
    if query.team is not None:
        found = portfolio_selectors.visible_team(user, query.team)
        if found is None:
            raise Http404
        team_id = found.pk
    shape = portfolio_selectors.portfolio_shape(user, team_id)
    policy = shape.policy
    return {
        "policy": {
            "early_max_order": policy.early_max_order,
            "late_min_order": policy.late_min_order,
            "min_share": policy.min_share,
            "min_open": policy.min_open,
        },
        "stages": [
            {"id": s.pk, "code": s.code, "name": s.display_name, "order": s.order} for s in shape.stages
        ],
        "reps": [_shape_out(shape, row) for row in shape.reps],
        "teams": [_shape_out(shape, row) for row in shape.teams],
    }


# --- priority matrix ---------------------------------------------------------------------------


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


@router.get("/matrix", url_name="analysis_matrix", response={200: MatrixOut, 422: ValidationErrorOut})
def priority_matrix(request: HttpRequest, query: Query[MatrixQuery]) -> dict[str, Any]:
    """Open opportunities the caller may see on value × likelihood, placed in four quadrants."""
    user = current_user(request)
    filters = PipelineFilters(owner=query.owner, team=query.team, customer=query.customer)
    matrix = portfolio_selectors.priority_matrix(user, filters, query.value)
    return {
        "value_threshold": matrix.value_threshold,
        "threshold_is_median": matrix.threshold_is_median,
        "likelihood_threshold": matrix.likelihood_threshold,
        "log_scale": matrix.log_scale,
        "total": matrix.total,
        "without_amount": matrix.without_amount,
        "quadrant_labels": {key: str(label) for key, label in portfolio_selectors.QUADRANTS.items()},
        "points": [
            {
                "id": p.id,
                "project_number": p.number,
                "name": p.name,
                "owner": p.owner,
                "customer": p.customer,
                "stage": p.stage,
                "probability": p.probability,
                "relationship_score": p.score,
                "value": p.value,
                "likelihood": p.likelihood,
                "quadrant": p.quadrant,
                "url": p.url,
            }
            for p in matrix.points
        ],
    }
