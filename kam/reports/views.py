"""The report pages and their Excel workbooks. Thin: the scope and period from the query, the
report from its builder, rendered as a page or a workbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kam.core.web import current_user
from kam.reports import build
from kam.reports.excel import XLSX, filename, report_workbook
from kam.reports.periods import neighbours
from kam.reports.scope import choosable_teams
from kam.reports.tables import Report

PAGES: dict[str, dict[str, Any]] = {
    "weekly": {"param": "week", "input": "week", "export": "reports:weekly_export"},
    "review": {"param": "month", "input": "month", "export": "reports:review_export"},
    "sales": {"param": "p", "input": "text", "export": "reports:sales_export"},
}


def _page(request: HttpRequest, kind: str, builder: Callable[..., tuple[Report, str | None]]) -> HttpResponse:
    user = current_user(request)
    report, period_error = builder(user, request.GET)
    page = PAGES[kind]
    links = []
    for label, value in zip(
        (pgettext("period", "Previous"), pgettext("period", "Next")), neighbours(report.period), strict=True
    ):
        query = request.GET.copy()
        query[page["param"]] = value
        links.append((label, value, "?" + query.urlencode()))
    return render(
        request,
        "reports/report.html",
        {
            "nav": "reports",
            "report": report,
            "page": page,
            "period_value": request.GET.get(page["param"], "") or report.period.label,
            "period_error": period_error,
            "teams": choosable_teams(user),
            "neighbours": links,
            "query": request.GET.urlencode(),
        },
    )


def _workbook(request: HttpRequest, builder: Callable[..., tuple[Report, str | None]]) -> HttpResponse:
    report, _error = builder(current_user(request), request.GET)
    response = HttpResponse(report_workbook(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename(report)}"'
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    reports = [
        (
            "reports:weekly",
            _("Weekly team meeting pack"),
            _(
                "Pipeline changes, flagged deals, the week against plan, next week's plan, under-visited key accounts."
            ),
        ),
        (
            "reports:review",
            _("Monthly key-account business review"),
            _("Forecast against target, each key account's status, wins and losses with reasons."),
        ),
        (
            "reports:sales",
            _("Monthly and quarterly sales report"),
            _("Results against target by rep and team, activity and time figures, loss diagnosis."),
        ),
    ]
    return render(request, "reports/index.html", {"nav": "reports", "reports": reports})


@login_required
def weekly(request: HttpRequest) -> HttpResponse:
    return _page(request, "weekly", build.weekly)


@login_required
def weekly_export(request: HttpRequest) -> HttpResponse:
    return _workbook(request, build.weekly)


@login_required
def review(request: HttpRequest) -> HttpResponse:
    return _page(request, "review", build.review)


@login_required
def review_export(request: HttpRequest) -> HttpResponse:
    return _workbook(request, build.review)


@login_required
def sales(request: HttpRequest) -> HttpResponse:
    return _page(request, "sales", build.sales)


@login_required
def sales_export(request: HttpRequest) -> HttpResponse:
    return _workbook(request, build.sales)
