"""1×5 pages: the scorecard (everyone, scoped), and the metrics a manager defines."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_process_metric
from kam.activities.metrics import selectors, services
from kam.activities.metrics.forms import MetricForm
from kam.activities.models import ProcessMetric
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.org.visibility import visible_teams


@login_required
def scorecard_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    day, team, errors = selectors.parse_scorecard(user, request.GET)
    result = None if errors else selectors.process_scorecard(user, cycle_start=day, team=team)
    query = {"date": day.isoformat(), **({"team": str(team.pk)} if team else {})}
    context = {
        "nav": "process_metrics",
        "day": day,
        "date_text": request.GET.get("date", "") if "date" in errors else day.isoformat(),
        "team": team,
        "teams": list(visible_teams(user)),
        "errors": errors,
        "result": result,
        "previous": urlencode({**query, "date": (day - dt.timedelta(days=28)).isoformat()}),
        "following": urlencode({**query, "date": (day + dt.timedelta(days=28)).isoformat()}),
        "may_edit": permissions.may_edit_process_metrics(user),
    }
    return render(request, "activities/metrics/scorecard.html", context, status=400 if errors else 200)


def _initial(metric: ProcessMetric) -> dict[str, Any]:
    return {
        "name": metric.name,
        "name_en": metric.name_en,
        "kinds": list(metric.kinds.all()),
        "tier": metric.tier,
        "decision_role": metric.decision_role,
        "cycle": metric.cycle,
        "minimum": metric.minimum,
        "active": metric.active,
        "order": metric.order,
    }


@login_required
@require_http_methods(["GET", "POST"])
def metric_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = current_user(request)
    metric = get_visible_process_metric(user, pk) if pk is not None else None
    if not permissions.may_edit_process_metrics(user):
        raise PermissionDenied(_("Only managers, directors and administrators define the process metrics."))
    form = MetricForm(request.POST or None, initial=_initial(metric) if metric else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        kinds = list(data.pop("kinds"))
        try:
            if metric is None:
                services.create_metric(by=user, kinds=kinds, **data)
            else:
                services.update_metric(metric, by=user, kinds=kinds, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The process metric is saved."))
            return redirect("process_metrics:page")
    context = {
        "nav": "process_metrics",
        "form": form,
        "metric": metric,
        "metrics": list(selectors.metrics_list()),
    }
    return render(request, "activities/metrics/form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def metric_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    metric = get_visible_process_metric(user, pk)
    services.delete_metric(metric, by=user)
    messages.success(request, _("The process metric is removed."))
    return redirect("process_metrics:page")
