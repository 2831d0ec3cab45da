"""Snapshots, what changed, forecast accuracy, portfolio shape and the priority matrix as JSON.

Every figure is scoped by kam.org.visibility: a rep gets their own opportunities, a manager their
team's, a director everything. Money is a decimal string in yuan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from kam.access.visibility import get_visible_snapshot
from kam.core.api.helpers import READ_ERRORS, ErrorOut, ValidationErrorOut, user_ref
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.insights.models import Snapshot
from kam.insights.review import portfolio as portfolio_selectors
from kam.insights.review import selectors as review_selectors
from kam.insights.review import services as snapshot_services
from kam.insights.review.schemas import (
    AccuracyOut,
    AccuracyQuery,
    ChangesOut,
    ChangesQuery,
    MatrixOut,
    MatrixQuery,
    PortfolioOut,
    PortfolioQuery,
    SnapshotIn,
    SnapshotListOut,
    SnapshotOut,
    SnapshotsQuery,
)
from kam.opportunities.selectors import PipelineFilters
from kam.org.models import User

router = Router(tags=["analysis"])


def _snapshot(user: User, snapshot_id: int | None) -> Snapshot | None:
    return None if snapshot_id is None else get_visible_snapshot(user, snapshot_id)


def _row_counts(*snapshots: Snapshot | None) -> dict[int, int]:
    """Rows stored per snapshot (one grouped query)."""
    ids = [s.pk for s in snapshots if s is not None]
    counts = dict(Snapshot.objects.filter(pk__in=ids).annotate(n=Count("rows")).values_list("pk", "n"))
    return {pk: counts.get(pk, 0) for pk in ids}


# --- snapshots ---------------------------------------------------------------------------------


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
    items = review_selectors.snapshot_list(limit=query.limit, offset=query.offset)
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
    snapshot = snapshot_services.take_snapshot(by=user, note=payload.note)
    return Status(201, _snapshot_out(snapshot, snapshot.rows.count()))


# --- what changed ------------------------------------------------------------------------------


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
        after = _snapshot(user, pk)
    before = _snapshot(user, query.a)
    if before is None:
        default_before, default_after = review_selectors.latest_two()
        before = default_before
        if after is None and not live:
            after = default_after
    if before is None:
        return {"before": None, "after": None, "sections": []}
    report = review_selectors.changes(user, before, after)
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


@router.get(
    "/accuracy",
    url_name="analysis_accuracy",
    response={200: AccuracyOut, 404: ErrorOut, 422: ValidationErrorOut},
)
def forecast_accuracy(request: HttpRequest, query: Query[AccuracyQuery]) -> dict[str, Any]:
    """What a past snapshot forecast for a closed period against what was won in it."""
    user = current_user(request)
    period = (query.period or "").strip()
    parsed = review_selectors.parse_period(period) if period else review_selectors.last_closed_quarter()
    chosen = _snapshot(user, query.snapshot)
    if chosen is None and parsed is not None:
        chosen = review_selectors.snapshots_before(parsed.start).first()
    errors = review_selectors.accuracy_errors(parsed, chosen)
    if errors or parsed is None:
        raise ValidationError({key: [message] for key, message in errors.items()})
    result = review_selectors.forecast_accuracy(user, parsed, chosen)
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
