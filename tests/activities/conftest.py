from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.activities.models import ActivityKind


@pytest.fixture
def visit(db) -> ActivityKind:
    return ActivityKind.objects.get(code="visit")


@pytest.fixture
def call(db) -> ActivityKind:
    return ActivityKind.objects.get(code="call")


def hours_ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)
