"""A service request factory over the real service (numbers, SLA clock, history)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kam.delivery.models import ServiceKind
from kam.delivery.service import services

# A fixed clock: tests move time by passing values, never by sleeping.
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def open_request():
    def make(customer: Any, *, by: Any = None, **kwargs: Any):
        # get_or_create: a transactional test starts from a flushed database, without the seeds.
        kind, _created = ServiceKind.objects.get_or_create(
            code="fault", defaults={"name": "故障", "name_en": "Fault"}
        )
        kwargs.setdefault("kind", kind)
        kwargs.setdefault("subject", "Furnace controller fault")
        kwargs.setdefault("opened_at", T0)
        return services.open_request(by=by or customer.owner, customer=customer, **kwargs)

    return make
