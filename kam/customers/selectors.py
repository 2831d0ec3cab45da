"""Reads for the customer list and the customer page: scoped by visibility, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, MONEY
from kam.org.models import User
from kam.org.visibility import customers_for, opportunities_for, visible_users

from .models import Customer, CustomerChange, CustomerStatus, Segment, Tier

PAGE_SIZE = 50

# Sort keys offered to users; anything else falls back to the default order.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "short_name": ("short_name", "id"),
    "parent": ("parent__name", "id"),
    "owner": ("owner__username", "id"),
    "industry": ("industry", "id"),
    "region": ("region", "id"),
    "status": ("status", "id"),
    "tier": ("tier", "id"),
    "segment": ("segment", "id"),
    "open_count": ("open_count", "id"),
    "open_amount": ("open_amount", "id"),
}
DEFAULT_SORT = "name"


@dataclass
class CustomerFilters:
    q: str | None = None
    tier: str | None = None
    segment: str | None = None
    status: str | None = None
    owner: int | None = None
    industry: str | None = None
    region: str | None = None

    @classmethod
    def from_mapping(cls, data: Any) -> CustomerFilters:
        """Lenient parse of query parameters: an unknown value is ignored, not a 500."""

        def text(name: str) -> str | None:
            return (data.get(name) or "").strip() or None

        def choice(name: str, allowed: list[str]) -> str | None:
            value = text(name)
            return value if value in allowed else None

        try:
            owner = int(data.get("owner") or "")
        except (TypeError, ValueError):
            owner = None
        return cls(
            q=text("q"),
            tier=choice("tier", Tier.values),
            segment=choice("segment", Segment.values),
            status=choice("status", CustomerStatus.values),
            owner=owner,
            industry=text("industry"),
            region=text("region"),
        )

    @property
    def active(self) -> bool:
        return any(value not in (None, "") for value in vars(self).values())


def visible_open_opportunities(user: User) -> QuerySet[Opportunity]:
    return opportunities_for(user, Opportunity.objects.filter(status=OpportunityStatus.OPEN))


def with_open_pipeline(qs: QuerySet[Customer], user: User) -> QuerySet[Customer]:
    """Count and amount of the open opportunities the user may see, per customer, as correlated subqueries.

    Subqueries rather than a JOIN + GROUP BY keep the row count exact whatever other filters join.
    """
    per_customer = (
        visible_open_opportunities(user).filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
    )
    open_count = Subquery(per_customer.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField())
    open_amount = Subquery(
        per_customer.annotate(total=Sum(EXPECTED_AMOUNT)).values("total")[:1], output_field=MONEY
    )
    return qs.annotate(
        open_count=Coalesce(open_count, Value(0)),
        open_amount=Coalesce(open_amount, Value(Decimal("0")), output_field=MONEY),
    )


def apply_filters(qs: QuerySet[Customer], filters: CustomerFilters) -> QuerySet[Customer]:
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(short_name__icontains=filters.q))
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.region:
        qs = qs.filter(region=filters.region)
    return qs


def sort_customers(qs: QuerySet[Customer], sort: str | None) -> tuple[QuerySet[Customer], str]:
    sort = sort or DEFAULT_SORT
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT
    descending = sort.startswith("-")
    ordering = []
    for name in SORTS[key]:
        expr = F(name)
        ordering.append(expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True))
    return qs.order_by(*ordering), sort


def customer_rows(
    user: User, filters: CustomerFilters, sort: str | None = None
) -> tuple[QuerySet[Customer], str]:
    """The customer list's rows: every column in one query, whatever the page size."""
    qs = apply_filters(customers_for(user, Customer.objects.all()), filters)
    qs = with_open_pipeline(qs.select_related("parent", "owner"), user)
    return sort_customers(qs, sort)


def filter_choices(user: User) -> dict[str, list[Any]]:
    """Owner, industry and region choices for the filter bar, from what the user may see."""
    visible = customers_for(user, Customer.objects.all())
    industries = (
        visible.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct()
    )
    regions = visible.exclude(region="").order_by("region").values_list("region", flat=True).distinct()
    return {
        "owners": list(visible_users(user).order_by("username")),
        "industries": list(industries),
        "regions": list(regions),
    }


def customer_detail(user: User, pk: int) -> Customer:
    """One customer the user may see; 404 otherwise (never a 403 that tells it exists)."""
    qs = customers_for(user, Customer.objects.all()).select_related("parent", "owner")
    return get_object_or_404(qs, pk=pk)


def parent_is_visible(user: User, customer: Customer) -> bool:
    if customer.parent_id is None:
        return False
    return customers_for(user, Customer.objects.filter(pk=customer.parent_id)).exists()


def visible_children(user: User, customer: Customer) -> QuerySet[Customer]:
    return (
        customers_for(user, Customer.objects.filter(parent=customer)).select_related("owner").order_by("name")
    )


def customer_opportunities(user: User, customer: Customer) -> QuerySet[Opportunity]:
    """The customer's opportunities the user may see, open ones first, then by sign date."""
    qs = opportunities_for(user, Opportunity.objects.filter(customer=customer))
    return (
        qs.select_related("stage", "owner")
        .annotate(
            expected_amount=EXPECTED_AMOUNT,
            open_first=Case(When(status=OpportunityStatus.OPEN, then=Value(0)), default=Value(1)),
        )
        .order_by("open_first", F("sign_date").asc(nulls_last=True), "id")
    )


def customer_history(customer: Customer, limit: int = 100) -> list[CustomerChange]:
    return list(CustomerChange.objects.filter(customer=customer).select_related("changed_by")[:limit])
