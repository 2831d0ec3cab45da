"""Each report from a request's query (or the API's): the scope it asks for (404 for a team outside
the reader's choice) and the period, with the message when the period could not be read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kam.org.models import User
from kam.reports.business_review import business_review
from kam.reports.periods import parse_month, parse_month_or_quarter, parse_week
from kam.reports.sales_report import sales_report
from kam.reports.scope import resolve_scope
from kam.reports.tables import Report
from kam.reports.weekly import weekly_pack


def weekly(user: User, query: Mapping[str, Any]) -> tuple[Report, str | None]:
    scope = resolve_scope(user, query.get("team"))
    week, error = parse_week(query.get("week"))
    return weekly_pack(scope, week), error


def review(user: User, query: Mapping[str, Any]) -> tuple[Report, str | None]:
    scope = resolve_scope(user, query.get("team"))
    month, error = parse_month(query.get("month"))
    return business_review(scope, month), error


def sales(user: User, query: Mapping[str, Any]) -> tuple[Report, str | None]:
    scope = resolve_scope(user, query.get("team"))
    period, error = parse_month_or_quarter(query.get("p"))
    return sales_report(scope, period), error
