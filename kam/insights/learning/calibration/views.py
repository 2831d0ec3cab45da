"""The calibrated forecast page: parse the period → the selector → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kam.core.web import current_user
from kam.insights.forecast import periods
from kam.insights.forecast.forms import ForecastForm
from kam.insights.learning.calibration import selectors


@login_required
def calibration_page(request: HttpRequest) -> HttpResponse:
    form = ForecastForm(request.GET or None)
    choice, period_error = form.choice()
    result = selectors.calibrate(current_user(request), choice.start, choice.end)
    return render(
        request,
        "learning/calibration/page.html",
        {
            "form": form,
            "choice": choice,
            "period_error": period_error,
            "quick": periods.quick_periods(),
            "result": result,
            "min_calls": selectors.MIN_CALLS,
            "min_slips": selectors.MIN_SLIPS,
            "nav": "forecast",
        },
    )
