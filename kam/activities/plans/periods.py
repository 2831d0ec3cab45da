"""A plan's period: a week starting on Monday (周计划) or a calendar month (月计划)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from kam.activities.models import PlanPeriod


def period_start(period: str, day: dt.date) -> dt.date:
    """The Monday of `day`'s week, or the first of its month."""
    if period == PlanPeriod.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(period: str, starts_on: dt.date) -> dt.date:
    """The first day after the period."""
    if period == PlanPeriod.WEEK:
        return starts_on + dt.timedelta(days=7)
    return starts_on + relativedelta(months=1)


def last_day(period: str, starts_on: dt.date) -> dt.date:
    return period_end(period, starts_on) - dt.timedelta(days=1)


def is_period_start(period: str, day: dt.date) -> bool:
    return period_start(period, day) == day


def shifted(period: str, starts_on: dt.date, steps: int) -> dt.date:
    """The start of the period `steps` periods later (earlier when negative)."""
    if period == PlanPeriod.WEEK:
        return starts_on + dt.timedelta(days=7 * steps)
    return starts_on + relativedelta(months=steps)


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def bounds(period: str, starts_on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes, end excluded."""
    return local_midnight(starts_on), local_midnight(period_end(period, starts_on))


def label(period: str, starts_on: dt.date) -> str:
    if period == PlanPeriod.WEEK:
        return f"{starts_on:%Y-%m-%d} – {last_day(period, starts_on):%Y-%m-%d}"
    return f"{starts_on:%Y-%m}"
