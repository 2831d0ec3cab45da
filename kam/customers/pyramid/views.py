"""The customer pyramid page: parse the filters, call the selector, render the table; the chart
draws the same figures from the API (kam.customers.pyramid.api)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kam.core.web import current_user, echarts_locale
from kam.customers.pyramid import selectors
from kam.org.visibility import visible_teams


@login_required
def pyramid_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters, errors = selectors.parse_filters(user, request.GET)
    # With a bad filter the figures would answer a different question than the one asked: show
    # the messages and no figures.
    result = None if errors else selectors.pyramid(user, filters)
    query = filters.query()
    switch = {by: urlencode({**query, "by": by}) for by in selectors.GROUPINGS}
    context = {
        "nav": "pyramid",
        "filters": filters,
        "errors": errors,
        "result": result,
        "teams": list(visible_teams(user)),
        "owners": list(selectors.owner_choices(user)),
        "as_of_text": request.GET.get("as_of", "") if "as_of" in errors else filters.as_of.isoformat(),
        "api_query": urlencode(query),
        "switch": switch,
        "echarts_locale": echarts_locale(),
        "large_factor": selectors.LARGE_FACTOR,
        "labels": {
            "customers": _("Share of customers"),
            "revenue": _("Share of revenue"),
            "profit": _("Share of gross profit"),
            "hours": _("Share of sales hours"),
            "loadError": _("The chart could not be loaded; the table shows the same figures."),
        },
    }
    return render(request, "customers/pyramid.html", context, status=400 if errors else 200)
