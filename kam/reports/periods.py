"""The periods the reports are read for: a week (Monday to Sunday), a month, or a quarter."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.insights.forecast.periods import choose_period

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
# Reports read a period's neighbours (the week after, the year before), so a period stays well
# inside the years a date can hold.
FIRST_YEAR, LAST_YEAR = 1900, 9000


def _in_range(day: dt.date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


@dataclass(frozen=True)
class ReportPeriod:
    kind: str  # week / month / quarter
    start: dt.date
    end: dt.date
    label: str

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "label": self.label}


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def week_of(day: dt.date) -> ReportPeriod:
    monday = day - dt.timedelta(days=day.weekday())
    year, week, _weekday = monday.isocalendar()
    return ReportPeriod("week", monday, monday + dt.timedelta(days=6), f"{year}-W{week:02d}")


def parse_week(text: str | None, today: dt.date | None = None) -> tuple[ReportPeriod, str | None]:
    """The week a picker names (`2026-W49` as `<input type="week">` sends it, or any day of it as
    `2026-12-01`); by default the last full week. A bad value falls back and says why."""
    today = today or timezone.localdate()
    default = week_of(today - dt.timedelta(days=7))
    text = (text or "").strip()
    if not text:
        return default, None
    match = _WEEK.match(text)
    try:
        if match:
            day = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        else:
            day = dt.date.fromisoformat(text[:10])
    except ValueError:
        day = None
    if day is None or not _in_range(day):
        return default, _("Write a week as 2026-W49 or as one of its days, 2026-12-01.")
    return week_of(day), None


def parse_month(text: str | None, today: dt.date | None = None) -> tuple[ReportPeriod, str | None]:
    """A month (`2026-11`); by default the last full month."""
    today = today or timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    default = choose_period("month", year=last.year, month=last.month)
    fallback = ReportPeriod("month", default.start, default.end, default.label)
    text = (text or "").strip()
    if not text:
        return fallback, None
    try:
        chosen = choose_period(text=text, today=today)
    except ValueError:
        chosen = None
    if chosen is None or chosen.kind != "month" or not _in_range(chosen.start):
        return fallback, _("Write a month as 2026-11.")
    return ReportPeriod("month", chosen.start, chosen.end, chosen.label), None


def parse_month_or_quarter(text: str | None, today: dt.date | None = None) -> tuple[ReportPeriod, str | None]:
    """A month (`2026-11`) or a quarter (`2026 Q4`, `26.Q4`); by default the last full month."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    month, error = parse_month("", today)
    if not text:
        return month, None
    try:
        chosen = choose_period(text=text, today=today)
    except ValueError:
        chosen = None
    if chosen is None or chosen.kind not in ("month", "quarter") or not _in_range(chosen.start):
        return month, _("Write a month as 2026-11 or a quarter as 2026 Q4.")
    return ReportPeriod(chosen.kind, chosen.start, chosen.end, chosen.label), error


def months_of(period: ReportPeriod) -> list[dt.date]:
    """The first day of every month the period covers."""
    months = []
    day = period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def neighbours(period: ReportPeriod) -> tuple[str, str]:
    """The labels of the period before and the period after (what the pickers accept)."""
    before, after = period.start - dt.timedelta(days=1), period.end + dt.timedelta(days=1)
    if period.kind == "week":
        return week_of(before).label, week_of(after).label
    if period.kind == "quarter":
        return (
            f"{before.year} Q{(before.month + 2) // 3}",
            f"{after.year} Q{(after.month + 2) // 3}",
        )
    return f"{before:%Y-%m}", f"{after:%Y-%m}"
