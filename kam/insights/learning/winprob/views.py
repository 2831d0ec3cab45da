"""The win-probability page (administrators and directors): the latest training's backtest
against the stage rule, the data it used, the versions, and a button to retrain now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.access.permissions import may_view_models
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.insights.learning.winprob import selectors
from kam.insights.learning.winprob.features import GROUPS
from kam.insights.learning.winprob.tasks import train_task
from kam.insights.learning.words import group_label


def _check(request: HttpRequest) -> None:
    if not may_view_models(current_user(request)):
        raise PermissionDenied(_("Only administrators and directors see the win-probability models."))


@login_required
def backtest(request: HttpRequest) -> HttpResponse:
    _check(request)
    versions = selectors.versions()
    wanted = parse_id(request.GET.get("version", ""))
    model = next((m for m in versions if m.version == wanted), None) if wanted else None
    model = model or (versions[0] if versions else None)
    metrics = (model.metrics or {}) if model else {}
    rows = []
    if metrics:
        for key, label in (
            ("model", _("Learned model")),
            ("rule", _("Stage rule")),
            ("base_rate", _("Plain win rate")),
        ):
            rows.append({"key": key, "label": label, **metrics.get(key, {})})
    context = {
        "nav": "learning",
        "model": model,
        "versions": versions,
        "metrics": metrics,
        "score_rows": rows,
        "why_not": selectors.why_not(model),
        "factor_groups": [group_label(g) for g in GROUPS],
        "active": next((m for m in versions if m.active), None),
    }
    return render(request, "learning/winprob/backtest.html", context)


@login_required
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    _check(request)
    train_task.enqueue()
    messages.success(
        request,
        _("Training started: a new version appears here when it is done (a few seconds to a minute)."),
    )
    return redirect("learning_winprob:backtest")
