"""The sales time analysis page: parse the pickers, call the selector, render the tables; the stacked
bar draws the same figures, handed to the page as JSON."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kam.activities.models import REVENUE_PRODUCING
from kam.activities.time import selectors
from kam.core.web import current_user, echarts_locale
from kam.org.visibility import visible_teams


@login_required
def time_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters, errors = selectors.parse_filters(user, request.GET)
    # With a bad picker the figures would answer another question than the one asked.
    result = (
        None
        if errors
        else selectors.time_analysis(user, month=filters.month, team=filters.team, owner=filters.owner)
    )
    trend = (
        None
        if result is None or errors
        else selectors.monthly_trend(user, month=filters.month, team=filters.team, owner=filters.owner)
    )
    previous = selectors.month_start(filters.month - dt.timedelta(days=1))
    following = selectors.next_month(filters.month)
    chart = None
    if result is not None and not result.is_empty:
        rows = result.reps
        chart = {
            "people": [row.label for row in rows],
            "series": [
                {
                    "code": code,
                    "name": selectors.category_label(code),
                    "revenue": code in REVENUE_PRODUCING,
                    "data": [str(row.category_hours[index]) for row in rows],
                }
                for index, code in enumerate(selectors.CATEGORY_ORDER)
            ],
            "shares": [None if row.revenue_share is None else str(row.revenue_share) for row in rows],
            "labels": {"hours": _("Hours"), "share": _("Revenue-producing share")},
        }
    context = {
        "nav": "time",
        "filters": filters,
        "errors": errors,
        "result": result,
        "trend": trend,
        "teams": list(visible_teams(user)),
        "owners": list(selectors.owner_choices(user)),
        "month_text": request.GET.get("month", "") if "month" in errors else filters.month.strftime("%Y-%m"),
        "previous": urlencode({**filters.query(), "month": previous.strftime("%Y-%m")}),
        "following": urlencode({**filters.query(), "month": following.strftime("%Y-%m")}),
        "categories": [
            (code, selectors.category_label(code), code in REVENUE_PRODUCING)
            for code in selectors.CATEGORY_ORDER
        ],
        "bands": {
            "good": selectors.GOOD_FROM,
            "ordinary_from": selectors.ORDINARY_FROM,
            "ordinary_to": selectors.ORDINARY_TO,
        },
        "chart": chart,
        "echarts_locale": echarts_locale(),
    }
    return render(request, "activities/time/page.html", context, status=400 if errors else 200)
