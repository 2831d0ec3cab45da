"""Reports read from a PostgreSQL replica when a deployment has one (`REPORTS_DATABASE_URL`).

When one server no longer carries both the daily work and the managers' reports, a streaming
replica of the PostgreSQL primary takes the reports: the views named in `KAM_REPORT_VIEWS`
(forecast, funnel, the weekly review, the pyramid, the exports) read through the `reports`
database alias while they run; everything else, and every write anywhere, goes to the primary.
A report may then lag the primary by the replica's delay (usually well under a second), which a
forecast or a weekly review tolerates and a form being saved would not: that is why only these
views are routed. Without `REPORTS_DATABASE_URL` there is no `reports` alias and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPORTS = "reports"
_reading_reports: ContextVar[bool] = ContextVar("kam_reading_reports", default=False)


def replica_configured() -> bool:
    return REPORTS in settings.DATABASES


class ReportsRouter:
    """Reads of a report view go to the replica; writes and everything else to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading_reports.get() and replica_configured():
            return REPORTS
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of the primary: the same rows on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPORTS  # the replica follows the primary's schema by streaming


class ReportsDatabaseMiddleware:
    """Marks the report views' reads for the replica while the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.views = frozenset(getattr(settings, "KAM_REPORT_VIEWS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if not replica_configured() or match is None or match.view_name not in self.views:
            return None
        token = _reading_reports.set(True)
        try:
            return view_func(request, *view_args, **view_kwargs)
        finally:
            _reading_reports.reset(token)
