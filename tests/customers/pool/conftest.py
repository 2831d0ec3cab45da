from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.activities.models import ActivityKind, ActivityStatus
from kam.activities.services import create_activity
from kam.customers.models import Customer


def noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def held_since(customer: Customer, day: dt.date) -> None:
    """The owner took the customer on that day (the pool's clock starts there without activities)."""
    Customer.objects.filter(pk=customer.pk).update(kept_since=noon(day))


@pytest.fixture
def visit(db) -> ActivityKind:
    return ActivityKind.objects.get(code="visit")


@pytest.fixture
def log(visit):
    """`log(by, customer, day, **fields)`: a done visit through the activities service."""

    def log(by, customer, day: dt.date, status=ActivityStatus.DONE, **fields):
        return create_activity(
            by=by, kind=visit, customer=customer, start=noon(day), summary="Visit", status=status, **fields
        )

    return log
