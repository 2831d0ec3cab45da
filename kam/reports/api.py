"""The three reports of the management cadence as JSON, for the same scope and period as the pages
(a team outside the reader's choice is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kam.core.api.helpers import READ_ERRORS
from kam.core.web import current_user
from kam.reports import build
from kam.reports.schemas import ReportOut, ReviewReportQuery, SalesReportQuery, WeeklyReportQuery
from kam.reports.tables import Report

router = Router(tags=["reports"])


def report_json(report: Report, period_error: str | None = None) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "title": report.title,
        "period": report.period.as_dict(),
        "scope": report.scope.as_dict(),
        "period_error": period_error,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in s.columns],
                "rows": s.rows,
                "total": s.total,
                "figures": [
                    {"key": f.key, "label": f.label, "value": f.value, "kind": f.kind} for f in s.figures
                ],
                "count": s.row_count,
                "empty": s.empty,
                "note": s.note,
            }
            for s in report.sections
        ],
    }


def _answer(
    request: HttpRequest, builder: Callable[..., tuple[Report, str | None]], query: Any
) -> dict[str, Any]:
    params = {k: v for k, v in query.dict().items() if v is not None}
    report, error = builder(current_user(request), params)
    return report_json(report, error)


@router.get("/weekly", url_name="report_weekly", response={200: ReportOut, **READ_ERRORS})
def weekly_report(request: HttpRequest, query: Query[WeeklyReportQuery]) -> dict[str, Any]:
    """The weekly team meeting pack (周沟通会): pipeline changes, flagged deals, the week's activities
    against plan, next week's plan, under-visited key accounts."""
    return _answer(request, build.weekly, query)


@router.get("/review", url_name="report_review", response={200: ReportOut, **READ_ERRORS})
def review_report(request: HttpRequest, query: Query[ReviewReportQuery]) -> dict[str, Any]:
    """The monthly key-account business review (月大客户经营分析会): forecast against target, key
    accounts' status, wins and losses with reasons."""
    return _answer(request, build.review, query)


@router.get("/sales", url_name="report_sales", response={200: ReportOut, **READ_ERRORS})
def sales_report(request: HttpRequest, query: Query[SalesReportQuery]) -> dict[str, Any]:
    """The monthly or quarterly sales report (销售月报 / 季报): results against target by rep and
    team, activity and time figures, loss diagnosis."""
    return _answer(request, build.sales, query)
