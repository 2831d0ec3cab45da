"""When a plan's next review falls due: the cadence of its customer's segment (DOMAIN.md §9, data
in `ReviewCadence`). Key accounts every quarter after the last review, important accounts every
year, the rest together in one collective review in the cadence's month."""

from __future__ import annotations

import calendar
import datetime as dt

from kam.planning.accountplans.models import ReviewCadence

DEFAULT_MONTHS = 12  # a segment without a cadence row is reviewed yearly


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, kept inside the target month (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def cadences() -> dict[str, ReviewCadence]:
    return {cadence.segment: cadence for cadence in ReviewCadence.objects.all()}


def next_review_due(segment: str, after: dt.date, table: dict[str, ReviewCadence] | None = None) -> dt.date:
    """The first review due after `after` (the last review, or the plan's activation).

    A collective review is held on the first day of its month: the next such day after `after`.
    """
    cadence = (cadences() if table is None else table).get(segment)
    if cadence is None:
        return add_months(after, DEFAULT_MONTHS)
    if cadence.collective and cadence.collective_month:
        due = dt.date(after.year, cadence.collective_month, 1)
        return due if due > after else dt.date(after.year + 1, cadence.collective_month, 1)
    return add_months(after, cadence.interval_months)
