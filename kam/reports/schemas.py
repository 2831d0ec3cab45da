"""The reports as JSON: the same sections the page and the workbook show, each a table of typed
columns. Money and hours are decimal strings; a percent column is a fraction (0.25 is 25 %)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kam.core.api.helpers import Id


class ReportColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(description="text, int, money, percent (a fraction), decimal, date or datetime")


class ReportFigureOut(Schema):
    key: str
    label: str
    value: Any = None
    kind: str


class ReportSectionOut(Schema):
    key: str
    title: str
    columns: list[ReportColumnOut]
    rows: list[dict[str, Any]] = Field(
        description="One object per row, keyed by the columns' keys (and `url`)."
    )
    total: dict[str, Any] | None = None
    figures: list[ReportFigureOut]
    count: int = Field(description="Rows in all; only the first 200 are listed.")
    empty: str
    note: str


class ReportPeriodOut(Schema):
    kind: str
    start: dt.date
    end: dt.date
    label: str


class ReportScopeOut(Schema):
    label: str
    team_id: int | None = None
    owner_id: int | None = None


class ReportOut(Schema):
    kind: str
    title: str
    period: ReportPeriodOut
    scope: ReportScopeOut
    sections: list[ReportSectionOut]
    period_error: str | None = None


class WeeklyReportQuery(Schema):
    week: str | None = Field(
        None, max_length=20, description="`2026-W49` or a day of the week; default: last week."
    )
    team: Id | None = Field(None, description="A team you manage; default: everything you see.")


class ReviewReportQuery(Schema):
    month: str | None = Field(None, max_length=20, description="`2026-11`; default: last month.")
    team: Id | None = Field(None, description="A team you manage; default: everything you see.")


class SalesReportQuery(Schema):
    p: str | None = Field(
        None, max_length=20, description="A month `2026-11` or a quarter `2026 Q4`; default: last month."
    )
    team: Id | None = Field(None, description="A team you manage; default: everything you see.")
