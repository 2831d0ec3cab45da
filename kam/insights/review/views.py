"""Pages of the weekly meeting and the analysis tools: what changed, forecast accuracy, portfolio
shape and the priority matrix. Thin: parse the request, call the selectors, render.

The charts fetch the same figures from the API (kam.insights.review.api); the tables show them
without JavaScript and in print.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kam.access.visibility import get_visible_snapshot
from kam.core import sheets
from kam.core.ids import parse_id
from kam.core.web import current_user, echarts_locale
from kam.insights.models import Snapshot
from kam.insights.review import export as review_export
from kam.insights.review import portfolio as portfolio_selectors
from kam.insights.review import selectors as review_selectors
from kam.opportunities.selectors import PipelineFilters


def _snapshot(request: HttpRequest, name: str) -> Snapshot | None:
    """The snapshot a query parameter names; a bad or unknown id is a 404, an empty one None."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    pk = parse_id(text)
    if pk is None:
        raise Http404
    return get_visible_snapshot(current_user(request), pk)


def parse_amount(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value < Decimal("1e14") else None


def _compared(request: HttpRequest) -> tuple[Snapshot | None, Snapshot | None]:
    """The snapshots to compare: `a` and `b` (or "now"), else the latest two."""
    before = _snapshot(request, "a")
    live = request.GET.get("b") == "now"
    after = None if live else _snapshot(request, "b")
    if before is None:
        default_before, default_after = review_selectors.latest_two()
        before = default_before
        if after is None and not live:
            after = default_after
    return before, after


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    before, after = _compared(request)
    report = review_selectors.changes(user, before, after) if before is not None else None
    context: dict[str, Any] = {
        "nav": "changes",
        "report": report,
        "before": before,
        "after": after,
        "live": after is None,
        "choices": review_selectors.snapshot_list(limit=60),
    }
    return render(request, "insights/changes.html", context)


@login_required
def changes_export(request: HttpRequest) -> HttpResponse:
    """Excel of what changed between the compared snapshots; without a snapshot, back to the page."""
    before, after = _compared(request)
    if before is None:
        return redirect("analysis:changes")
    content, filename = review_export.changes_xlsx(current_user(request), before, after)
    response = HttpResponse(content, content_type=sheets.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def accuracy(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    period_text = request.GET.get("period", "").strip()
    period = (
        review_selectors.parse_period(period_text) if period_text else review_selectors.last_closed_quarter()
    )
    snapshot = _snapshot(request, "snapshot")
    if snapshot is None and period is not None:
        snapshot = review_selectors.snapshots_before(period.start).first()
    errors = review_selectors.accuracy_errors(period, snapshot)
    result = None
    if not errors and period is not None:
        result = review_selectors.forecast_accuracy(user, period, snapshot)
    choices = list(review_selectors.snapshots_before(period.start)[:60]) if period is not None else []
    context = {
        "nav": "accuracy",
        "period_text": period.label if period is not None and not period_text else period_text,
        "period": period,
        "snapshot": snapshot,
        "choices": choices,
        "errors": errors,
        "result": result,
    }
    return render(request, "insights/accuracy.html", context)


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    team = None
    team_text = request.GET.get("team", "").strip()
    if team_text:
        team = portfolio_selectors.visible_team(user, int(team_text)) if team_text.isdecimal() else None
        if team is None:
            raise Http404
    shape = portfolio_selectors.portfolio_shape(user, team.pk if team else None)
    context = {
        "nav": "portfolio",
        "shape": shape,
        "team": team,
        "rep_rows": [(row, shape.cells(row)) for row in shape.reps],
        "team_rows": [(row, shape.cells(row)) for row in shape.teams],
        "echarts_locale": echarts_locale(),
        "labels": {
            "count": _("Open opportunities"),
            "amount": _("Expected amount"),
            "loadError": _("The chart could not be loaded; the table shows the same data."),
        },
    }
    return render(request, "insights/portfolio.html", context)


@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = PipelineFilters.from_mapping(request.GET)
    value_text = request.GET.get("value", "").strip()
    value_threshold = parse_amount(value_text) if value_text else None
    result = portfolio_selectors.priority_matrix(user, filters, value_threshold)
    api_query = request.GET.copy()
    if value_threshold is None:
        # The page falls back to the median for a value it cannot read; the chart must draw the same.
        api_query.pop("value", None)
    context = {
        "nav": "matrix",
        "matrix": result,
        "quadrants": result.by_quadrant(),
        "value_text": value_text,
        "value_error": bool(value_text) and value_threshold is None,
        "api_query": api_query.urlencode(),
        "echarts_locale": echarts_locale(),
        "labels": {
            "value": _("Value (expected amount)"),
            "likelihood": _("Likelihood (%)"),
            "act_now": _("Act now"),
            "go_after": _("Go after it"),
            "take_when_comes": _("Take when it comes"),
            "shelve": _("Shelve"),
            "score": _("Relationship score"),
            "stage": _("Stage"),
            "loadError": _("The chart could not be loaded; the table shows the same data."),
        },
    }
    return render(request, "insights/matrix.html", context)
