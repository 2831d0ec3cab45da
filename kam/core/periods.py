"""Quarters as our users write them: `2027 Q3`, `2027Q3`, `2027-Q3` or the short `27.Q3`."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_QUARTER = re.compile(r"^\s*(\d{2}|\d{4})\s*[.\-\s]?\s*[Qq]([1-4])\s*$")


def parse_quarter(text: str) -> tuple[int, int] | None:
    match = _QUARTER.match(text or "")
    if not match:
        return None
    year = int(match.group(1))
    if year < 100:
        year += 2000
    return year, int(match.group(2))


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first_month = (quarter - 1) * 3 + 1
    last_month = first_month + 2
    return dt.date(year, first_month, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def quarter_label(day: dt.date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"
