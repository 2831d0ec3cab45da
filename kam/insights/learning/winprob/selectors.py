"""Reading the win-probability models: the active version, a deal's stored prediction and its
factors in words (written when read, in the reader's language)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kam.insights.learning.models import WinModel, WinPrediction
from kam.insights.learning.words import Factor, factor_list

if TYPE_CHECKING:
    pass


def latest_model() -> WinModel | None:
    return WinModel.objects.defer("blob").order_by("-version").first()


def active_model() -> WinModel | None:
    return WinModel.objects.defer("blob").filter(active=True).first()


def versions(limit: int = 20) -> list[WinModel]:
    return list(WinModel.objects.defer("blob").order_by("-version")[:limit])


def prediction_for(opportunity_id: int) -> WinPrediction | None:
    """The active version's prediction for the deal (one query), or None."""
    return (
        WinPrediction.objects.filter(opportunity_id=opportunity_id, model__active=True)
        .select_related("model")
        .defer("model__blob", "model__parameters", "model__metrics")
        .first()
    )


def predictions_for(opportunity_ids: Iterable[int]) -> dict[int, WinPrediction]:
    """The active version's predictions for a page of deals, in one query."""
    ids = list(opportunity_ids)
    if not ids:
        return {}
    rows = WinPrediction.objects.filter(opportunity_id__in=ids, model__active=True).only(
        "opportunity_id", "probability", "stage_probability", "factors"
    )
    return {p.opportunity_id: p for p in rows}


def factors(prediction: WinPrediction) -> list[Factor]:
    return factor_list(prediction.factors)


def why_not(model: WinModel | None) -> str:
    """Why the learned probability is not shown beside the stage's (empty when it is)."""
    if model is None:
        return _("No model has been trained yet: run `kam learn`, or wait for the nightly training.")
    p, m = model.parameters or {}, model.metrics or {}
    if model.verdict == WinModel.Verdict.TOO_FEW:
        return _(
            "Too few closed deals: %(n)s closed deals were seen, and at least %(min)s are needed, so that "
            "the deals closed last (the test period) are enough to tell a model from the stage rule."
        ) % {"n": p.get("deals_used", 0), "min": p.get("min_closed_deals", 0)}
    if model.verdict == WinModel.Verdict.NO_SIGNAL:
        return _(
            "No signal: on the test period the model did no better than the plain win rate "
            "(skill %(skill)s %%), so what kam records about a deal did not tell wins from losses."
        ) % {"skill": round(100 * float(m.get("skill", 0)), 1)}
    if model.verdict == WinModel.Verdict.RULE_BETTER:
        return _(
            "The stage rule did as well: on the test period its Brier score was %(rule)s against the "
            "model's %(model)s."
        ) % {"rule": m.get("rule", {}).get("brier"), "model": m.get("model", {}).get("brier")}
    return ""


def no_prediction() -> str:
    return _("This deal has no learned probability: it was closed, or opened after the last training.")
