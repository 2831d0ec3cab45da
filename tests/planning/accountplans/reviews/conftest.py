"""Plans for the review tests: active plans of the world's customers in a chosen segment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kam.planning.accountplans import services
from kam.planning.accountplans.models import AccountPlan, PlanStatus


@pytest.fixture
def make_plan():
    """`make_plan(customer, segment="key", status="active", next_due=None, **fields)`: the customer
    moved to the segment, a plan for this year owned by the customer's owner, in the status."""

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
        plan = services.create_plan(
            customer=customer, year=year or timezone.localdate().year, by=owner, owner=owner, **fields
        )
        # The approval is the plans part's concern: here the plan is simply put in the status.
        AccountPlan.objects.filter(pk=plan.pk).update(
            status=status,
            activated_at=timezone.now() if status == PlanStatus.ACTIVE else None,
            next_review_due=next_due,
        )
        plan.refresh_from_db()
        return plan

    return make
