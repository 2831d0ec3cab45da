"""The overview tiles at the top of the 360° customer page: the figures a rep or a manager looks at
first, each a link to the list behind it. A fixed number of statements whatever the customer's
size: one aggregate over the customer's deals, the after-sale standing (one row, kept by
kam.delivery), one count of open service requests, one read of the next plan review.

Service requests and account plans sit above this app: they are read through kam.access's
visibility (which may import their records) and kam.delivery's models, never their code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from kam.access.visibility import account_plans_for, opportunities_for, service_requests_for
from kam.customers.models import Customer
from kam.delivery.models import ServiceStatus
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, WEIGHTED_AMOUNT
from kam.org.models import User

OPEN_SERVICE_STATUSES = [
    ServiceStatus.NEW,
    ServiceStatus.ACKNOWLEDGED,
    ServiceStatus.IN_PROGRESS,
    ServiceStatus.WAITING,
]
# An account plan under review cycles is an active one; its status is kept as this text.
ACTIVE_PLAN = "active"
CENT = Decimal("0.01")


def _url(name: str, *args: Any, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name, args=args) + (f"?{query}" if query else "")


@dataclass
class CustomerOverview:
    open_count: int
    open_amount: Decimal
    weighted: Decimal
    won_count: int
    won_amount: Decimal
    year: int
    last_touch_at: dt.datetime | None
    overdue_amount: Decimal
    oldest_overdue_due: dt.date | None
    open_service_requests: int
    next_review_due: dt.date | None
    next_review_plan_id: int | None
    satisfaction_level: int | None
    churn_percent: Decimal | None
    urls: dict[str, str]

    @property
    def review_overdue(self) -> bool:
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()


def customer_overview(user: User, customer: Customer, *, today: dt.date | None = None) -> CustomerOverview:
    today = today or timezone.localdate()
    # As the pipeline's customer filter the tiles link to: the customer and its direct subsidiaries.
    deals = opportunities_for(
        user, Opportunity.objects.filter(Q(customer_id=customer.pk) | Q(customer__parent_id=customer.pk))
    )
    is_open = Q(status=OpportunityStatus.OPEN)
    won_this_year = Q(status=OpportunityStatus.WON, sign_date__year=today.year)
    figures = deals.aggregate(
        open_count=Count("pk", filter=is_open),
        open_amount=Sum(EXPECTED_AMOUNT, filter=is_open),
        weighted=Sum(WEIGHTED_AMOUNT, filter=is_open),
        won_count=Count("pk", filter=won_this_year),
        won_amount=Sum(EXPECTED_AMOUNT, filter=won_this_year),
    )
    try:
        care = customer.care  # type: ignore[attr-defined]  # kam.delivery's one-to-one
    except ObjectDoesNotExist:
        care = None
    open_requests = (
        service_requests_for(user).filter(customer=customer, status__in=OPEN_SERVICE_STATUSES).count()
    )
    plan = (
        account_plans_for(user)
        .filter(customer=customer, status=ACTIVE_PLAN, next_review_due__isnull=False)
        .order_by("next_review_due", "id")
        .values("pk", "next_review_due")
        .first()
    )
    pk = customer.pk
    urls = {
        "open": _url("opportunities:pipeline", customer=pk, status=OpportunityStatus.OPEN),
        "won": _url("opportunities:pipeline", customer=pk, status=OpportunityStatus.WON),
        "overdue": _url("delivery_payments:receivables", customer=pk, overdue=1),
        "touch": _url("activities:list", customer=pk),
        "service": _url("delivery_service:list", customer=pk, status="open"),
        "review": (
            _url("planning_accountplans:detail", plan["pk"])
            if plan
            else _url("customers:detail", pk) + "#accountplans-slot"
        ),
        "satisfaction": _url("customers:detail", pk) + "#satisfaction-slot",
    }
    return CustomerOverview(
        open_count=figures["open_count"] or 0,
        open_amount=Decimal(figures["open_amount"] or 0).quantize(CENT),
        weighted=Decimal(figures["weighted"] or 0).quantize(CENT),
        won_count=figures["won_count"] or 0,
        won_amount=Decimal(figures["won_amount"] or 0).quantize(CENT),
        year=today.year,
        last_touch_at=customer.last_touch_at,
        overdue_amount=care.overdue_amount if care else Decimal(0),
        oldest_overdue_due=care.oldest_overdue_due if care else None,
        open_service_requests=open_requests,
        next_review_due=plan["next_review_due"] if plan else None,
        next_review_plan_id=plan["pk"] if plan else None,
        satisfaction_level=care.satisfaction_level if care else None,
        churn_percent=care.churn_percent if care else None,
        urls=urls,
    )
