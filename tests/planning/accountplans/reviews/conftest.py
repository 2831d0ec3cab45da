"""Plans for the review tests: active plans of the world's customers in a chosen segment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kam.planning.accountplans.models import AccountPlan, PlanStatus


@pytest.fixture
def make_plan():
    """`make_plan(customer, segment="key", status="active", next_due=None, **fields)`: the customer
    moved to the segment, an active plan for this year owned by the customer's owner."""

    def make(
        customer: Any,
        *,
        segment: str = "key",
        status: str = PlanStatus.ACTIVE,
        next_due: dt.date | None = None,
        year: int | None = None,
        owner: Any = None,
        **fields: Any,
    ) -> AccountPlan:
        if customer.segment != segment:
            type(customer).objects.filter(pk=customer.pk).update(segment=segment)
            customer.segment = segment
        owner = owner or customer.owner
        return AccountPlan.objects.create(
            customer=customer,
            year=year or timezone.localdate().year,
            owner=owner,
            created_by=owner,
            status=status,
            activated_at=timezone.now() if status == PlanStatus.ACTIVE else None,
            next_review_due=next_due,
            **fields,
        )

    return make
