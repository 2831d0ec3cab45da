"""The loss diagnosis page: parse the period, team and process, call the selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kam.core.web import current_user
from kam.insights.loss import selectors
from kam.opportunities.models import SalesProcess
from kam.org.visibility import visible_teams


@login_required
def loss_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters, errors = selectors.parse_filters(user, request.GET)
    result = (
        None
        if errors
        else selectors.loss_diagnosis(
            user, start=filters.start, end=filters.end, team=filters.team, process=filters.process
        )
    )
    context = {
        "nav": "loss",
        "filters": filters,
        "errors": errors,
        "result": result,
        "teams": list(visible_teams(user)),
        "processes": list(SalesProcess.objects.order_by("-is_default", "id")),
        "start_text": request.GET.get("start", "") if "start" in errors else filters.start.isoformat(),
        "end_text": request.GET.get("end", "") if "end" in errors else filters.end.isoformat(),
    }
    return render(request, "insights/loss/page.html", context, status=400 if errors else 200)
