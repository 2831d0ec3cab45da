"""The calibrated forecast over JSON: the same selector as the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router

from kam.access.visibility import get_visible_colleague
from kam.core.api.helpers import LIST_ERRORS
from kam.core.web import current_user
from kam.insights.forecast import periods
from kam.insights.learning.calibration import selectors
from kam.insights.learning.calibration.schemas import CalibrationOut, CalibrationQuery, RepOut

router = Router(tags=["learning calibration"])


def _choice(params: CalibrationQuery) -> periods.PeriodChoice:
    try:
        return periods.choose_period(
            params.period, year=params.year, quarter=params.quarter, month=params.month
        )
    except ValueError as exc:
        raise ValidationError({"period": [str(exc)]}) from exc


def row_payload(row: selectors.Row) -> dict[str, Any]:
    return {
        "id": row.key,
        "label": row.label,
        "kind": row.kind,
        "team_id": row.team_id,
        "stated": {**row.stated, "won": row.won, "total": row.stated_total},
        "calibrated": {**row.calibrated, "won": row.won, "total": row.calibrated_total},
        "slipped": row.slipped,
        "bias": row.bias,
        "fallback": row.fallback,
    }


def _used(used: selectors.Used) -> dict[str, Any]:
    return {"source": used.source, "value": used.value, "samples": used.samples}


def rep_payload(row: selectors.Row, labels: dict[int, str]) -> dict[str, Any]:
    slips = []
    for order, used in sorted(row.slips.items()):
        own = row.history.slips.get(order)
        slips.append(
            {
                "stage_order": order,
                "stage": labels.get(order, str(order)),
                "used": _used(used),
                "own_samples": own.samples if own else 0,
                "own_average_days": own.average if own else None,
            }
        )
    return {
        **row_payload(row),
        "ratios": {category: _used(used) for category, used in row.ratios.items()},
        "calls": {
            category: {
                "calls": calls.calls,
                "called": calls.called,
                "won_calls": calls.won_calls,
                "won": calls.won,
                "ratio": calls.ratio,
                "amount_change": calls.amount_change,
            }
            for category, calls in row.history.calls.items()
        },
        "slips": slips,
    }


@router.get(
    "/calibration",
    response={200: CalibrationOut, **LIST_ERRORS},
    summary="The forecast calibrated per rep and team for a period, beside the stated one",
)
def get_calibration(request: HttpRequest, params: Query[CalibrationQuery]) -> dict[str, Any]:
    choice = _choice(params)
    result = selectors.calibrate(current_user(request), choice.start, choice.end)
    return {
        "period": choice.label,
        "start": choice.start,
        "end": choice.end,
        "history_since": result.since,
        "reps": [row_payload(r) for r in result.reps],
        "teams": [row_payload(t) for t in result.teams],
        "total": row_payload(result.total),
    }


@router.get(
    "/calibration/reps/{int:pk}",
    response={200: RepOut, **LIST_ERRORS},
    summary="One rep's calibration: the record by category and stage and the figures applied",
)
def get_rep_calibration(request: HttpRequest, pk: int, params: Query[CalibrationQuery]) -> dict[str, Any]:
    user = current_user(request)
    rep = get_visible_colleague(user, pk)
    choice = _choice(params)
    result = selectors.calibrate(user, choice.start, choice.end, only=rep)
    if not result.reps:  # an inactive colleague: no forecast of theirs to calibrate
        raise Http404
    return rep_payload(result.reps[0], result.labels)
