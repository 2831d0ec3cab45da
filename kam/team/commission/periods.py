"""A statement's period as people write it: a quarter (`2026 Q3`) or a month (`2026-08`)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from kam.core.periods import parse_quarter, quarter_bounds

_MONTH = re.compile(r"^\s*(\d{4})\s*-\s*(\d{1,2})\s*$")


def parse_period(text: str) -> tuple[dt.date, dt.date] | None:
    quarter = parse_quarter(text)
    if quarter is not None:
        return quarter_bounds(*quarter)
    match = _MONTH.match(text or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1900 < year < 3000:
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    return None


def period_label(start: dt.date, end: dt.date) -> str:
    if start.day == 1 and start.month == end.month and start.year == end.year:
        return f"{start.year}-{start.month:02d}"
    if (
        start.day == 1
        and (start.month - 1) % 3 == 0
        and quarter_bounds(start.year, (start.month - 1) // 3 + 1) == (start, end)
    ):
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start.isoformat()} – {end.isoformat()}"
