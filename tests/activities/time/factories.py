"""Activities for the time and 1×5 tests, logged through the activities service in a given
past month (a done activity cannot lie in the future)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from kam.activities import services
from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.customers.models import Customer
from kam.org.models import User
from kam.relationships.models import Contact


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A local time on that day (the analysis counts whole local days)."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def log(
    owner: User,
    customer: Customer,
    kind: str,
    minutes: int,
    day: dt.date,
    *,
    hour: int = 10,
    status: str = ActivityStatus.DONE,
    contacts: Iterable[Contact] = (),
) -> Activity:
    return services.create_activity(
        by=owner,
        kind=ActivityKind.objects.get(code=kind),
        customer=customer,
        start=at(day, hour),
        summary=f"{kind} {day}",
        status=status,
        duration_minutes=minutes,
        contacts=contacts,
    )
