"""Periods of the forecast: period keys computed in SQL, their labels and bounds, and the period a picker or the API names."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Func,
    IntegerField,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.periods import parse_quarter, quarter_bounds

PERIODS = ("month", "quarter", "year")


class PeriodKey(Func):
    """The period a date falls in, as an integer: 2027 (year), 20273 (quarter) or 202709 (month)."""

    output_field = IntegerField()

    def __init__(self, expression: Any, period: str) -> None:
        if period not in PERIODS:
            raise ValueError(period)
        self.period = period
        super().__init__(expression)

    def as_sqlite(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        year = f"CAST(strftime('%%Y', {sql}) AS INTEGER)"
        month = f"CAST(strftime('%%m', {sql}) AS INTEGER)"
        return self._combine(year, month), list(params) * self._uses()

    def as_postgresql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        year = f"CAST(EXTRACT(YEAR FROM {sql}) AS INTEGER)"
        month = f"CAST(EXTRACT(MONTH FROM {sql}) AS INTEGER)"
        return self._combine(year, month), list(params) * self._uses()

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        year = f"CAST(EXTRACT(YEAR FROM {sql}) AS INTEGER)"
        month = f"CAST(EXTRACT(MONTH FROM {sql}) AS INTEGER)"
        return self._combine(year, month), list(params) * self._uses()

    def _uses(self) -> int:
        return 1 if self.period == "year" else 2

    def _combine(self, year: str, month: str) -> str:
        if self.period == "year":
            return year
        if self.period == "quarter":
            return f"({year} * 10 + ({month} + 2) / 3)"
        return f"({year} * 100 + {month})"


def period_key(day: dt.date, period: str) -> int:
    if period == "year":
        return day.year
    if period == "quarter":
        return day.year * 10 + (day.month + 2) // 3
    return day.year * 100 + day.month


def period_key_label(key: int, period: str) -> str:
    if period == "year":
        return str(key)
    if period == "quarter":
        return f"{key // 10} Q{key % 10}"
    return f"{key // 100}-{key % 100:02d}"


def period_key_bounds(key: int, period: str) -> tuple[dt.date, dt.date]:
    if period == "year":
        return dt.date(key, 1, 1), dt.date(key, 12, 31)
    if period == "quarter":
        return quarter_bounds(key // 10, key % 10)
    year, month = divmod(key, 100)
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class PeriodChoice:
    kind: str  # month / quarter / year
    start: dt.date
    end: dt.date
    label: str

    @property
    def key(self) -> int:
        return period_key(self.start, self.kind)


def choose_period(
    kind: str = "quarter",
    *,
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
    text: str | None = None,
    today: dt.date | None = None,
) -> PeriodChoice:
    """A month, quarter or year from its parts or from text ("2027 Q3", "27.Q3", "2027-03", "2027");
    missing parts default to the one containing today. Raises ValueError with a message."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if text:
        parsed = parse_quarter(text)
        if parsed:
            kind, year, quarter = "quarter", parsed[0], parsed[1]
        elif len(text) == 7 and text[4] == "-" and text[:4].isdecimal() and text[5:].isdecimal():
            kind, year, month = "month", int(text[:4]), int(text[5:])
        elif len(text) == 4 and text.isdecimal():
            kind, year = "year", int(text)
        else:
            raise ValueError(_("Write a period as 2027 Q3, 2027-03 or 2027."))
    if kind not in PERIODS:
        raise ValueError(_("Choose month, quarter or year."))
    year = today.year if year is None else year
    if not 1900 <= year <= 9999:
        raise ValueError(_("Choose a year between 1900 and 9999."))
    if kind == "year":
        return PeriodChoice("year", dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
    if kind == "quarter":
        quarter = (today.month + 2) // 3 if quarter is None else quarter
        if not 1 <= quarter <= 4:
            raise ValueError(_("A quarter is 1 to 4."))
        start, end = quarter_bounds(year, quarter)
        return PeriodChoice("quarter", start, end, f"{year} Q{quarter}")
    month = today.month if month is None else month
    if not 1 <= month <= 12:
        raise ValueError(_("A month is 1 to 12."))
    start, end = period_key_bounds(year * 100 + month, "month")
    return PeriodChoice("month", start, end, f"{year}-{month:02d}")


def quick_periods(today: dt.date | None = None) -> list[tuple[str, str, PeriodChoice]]:
    """The picker's quick choices: this and next quarter, this and next year, this month."""
    today = today or timezone.localdate()
    this_q = choose_period("quarter", today=today)
    next_start = this_q.end + dt.timedelta(days=1)
    next_q = choose_period("quarter", year=next_start.year, quarter=(next_start.month + 2) // 3)
    return [
        ("this_quarter", _("This quarter"), this_q),
        ("next_quarter", _("Next quarter"), next_q),
        ("this_year", _("This year"), choose_period("year", today=today)),
        ("next_year", _("Next year"), choose_period("year", year=today.year + 1)),
        ("this_month", _("This month"), choose_period("month", today=today)),
    ]
