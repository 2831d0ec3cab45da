"""Win probability over JSON: model versions with their backtests, and a deal's learned
probability with the factors that move it most."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from kam.access.permissions import may_view_models
from kam.access.visibility import get_visible_opportunity, get_visible_win_model
from kam.core.api.helpers import ErrorOut
from kam.core.web import current_user
from kam.insights.learning.models import WinModel
from kam.insights.learning.winprob import selectors
from kam.insights.learning.winprob.schemas import WinModelListOut, WinModelOut, WinPredictionOut

router = Router(tags=["learning winprob"])

PRIVATE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}


def _model_out(model: WinModel) -> dict[str, Any]:
    data = dict(model.parameters or {})
    data.pop("means", None)
    return {
        "id": model.pk,
        "version": model.version,
        "trained_at": model.trained_at,
        "kind": model.kind,
        "verdict": model.verdict,
        "active": model.active,
        "beats_baseline": model.beats_baseline,
        "why_not": selectors.why_not(model),
        "data": data,
        "metrics": model.metrics or {},
    }


def _check(request: HttpRequest) -> None:
    if not may_view_models(current_user(request)):
        raise HttpError(403, "forbidden")


@router.get(
    "/winprob/models",
    url_name="winprob_models",
    response={200: WinModelListOut, 403: ErrorOut},
    summary="Win-probability model versions, newest first, each with its backtest against the stage rule",
)
def list_models(request: HttpRequest) -> dict[str, Any]:
    """Administrators and directors: every version's data, verdict and backtest."""
    _check(request)
    return {"items": [_model_out(m) for m in selectors.versions()]}


@router.get(
    "/winprob/models/{int:model_id}",
    url_name="winprob_model",
    response={200: WinModelOut, **PRIVATE_ERRORS},
    summary="One win-probability model version: the data it used, its backtest and calibration table",
)
def get_model(request: HttpRequest, model_id: int) -> dict[str, Any]:
    _check(request)
    return _model_out(get_visible_win_model(current_user(request), model_id))


@router.get(
    "/winprob/backtest",
    url_name="winprob_backtest",
    response={200: WinModelOut, **PRIVATE_ERRORS},
    summary="The latest training's backtest: Brier score, log loss and calibration against the stage rule",
)
def get_backtest(request: HttpRequest) -> dict[str, Any]:
    _check(request)
    model = selectors.latest_model()
    if model is None:
        raise HttpError(404, "not_found")
    return _model_out(model)


@router.get(
    "/winprob/opportunities/{int:opportunity_id}",
    url_name="winprob_prediction",
    response={200: WinPredictionOut, 404: ErrorOut},
    summary="A deal's learned win probability beside the stage's, with the three factors that move it most",
)
def get_prediction(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    """`shown` is false (and `why_not` says why) when no model beats the stage rule or the deal
    has no prediction of the active version (closed, or opened since the last training)."""
    opportunity = get_visible_opportunity(current_user(request), opportunity_id)
    prediction = selectors.prediction_for(opportunity.pk)
    if prediction is None:
        active = selectors.active_model()
        reason = selectors.why_not(selectors.latest_model()) if active is None else selectors.no_prediction()
        return {
            "opportunity_id": opportunity.pk,
            "shown": False,
            "probability": None,
            "stage_probability": opportunity.stage.probability,
            "model_version": None,
            "factors": [],
            "why_not": reason,
        }
    return {
        "opportunity_id": opportunity.pk,
        "shown": True,
        "probability": prediction.percent,
        "stage_probability": opportunity.stage.probability,
        "model_version": prediction.model.version,
        "factors": [
            {"code": f.code, "points": f.points, "words": f.words, "text": f.text}
            for f in selectors.factors(prediction)
        ],
        "why_not": "",
    }
