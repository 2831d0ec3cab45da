"""Reads of the public pool: the pool list, the owner's customers about to return, the return
requests a manager decides, and the claim allowance. Each is a fixed number of statements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kam.core.companies import company_name_pinyin
from kam.customers.models import (
    Customer,
    Industry,
    PoolReturnRequest,
    PoolRule,
    PoolSettings,
    Region,
    ReturnStatus,
    Segment,
    Tier,
)
from kam.customers.pool import clock
from kam.org.models import User
from kam.org.visibility import managed_team_ids

PAGE_SIZE = 50
TEXT_MAX = 100


@dataclass
class PoolFilters:
    q: str = ""
    tier: str = ""
    segment: str = ""
    region: str = ""
    industry: str = ""

    @classmethod
    def parse(cls, data: Any) -> PoolFilters:
        """Lenient: an unknown tier or segment is ignored, texts are cut to their length."""

        def text(name: str) -> str:
            return str(data.get(name) or "").strip()[:TEXT_MAX]

        tier = text("tier")
        segment = text("segment")
        return cls(
            q=text("q"),
            tier=tier if tier in Tier.values else "",
            segment=segment if segment in Segment.values else "",
            region=text("region"),
            industry=text("industry"),
        )


def pool_rows(filters: PoolFilters) -> QuerySet[Customer]:
    """Customers in the pool, newest arrivals first; the search reads the name and its pinyin."""
    qs = Customer.objects.filter(in_pool=True).select_related("previous_owner", "owner")
    if filters.q:
        condition = Q(name__icontains=filters.q) | Q(short_name__icontains=filters.q)
        pinyin = company_name_pinyin(filters.q)
        if pinyin:
            condition |= Q(name_pinyin__contains=pinyin)
        qs = qs.filter(condition)
    for name in ("tier", "segment"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    # A value in any language finds the customers holding its row's name (kam.customers.models.choices).
    if filters.region:
        qs = qs.filter(region__in={filters.region, Region.stored(filters.region)})
    if filters.industry:
        qs = qs.filter(industry__in={filters.industry, Industry.stored(filters.industry)})
    return qs.order_by("-pooled_at", "-id")


def pool_choices() -> dict[str, list[str]]:
    """The regions and industries of pooled customers, for the filter bar (two statements)."""
    pooled = Customer.objects.filter(in_pool=True).order_by()
    return {
        "regions": sorted(set(pooled.exclude(region="").values_list("region", flat=True).distinct())),
        "industries": sorted(set(pooled.exclude(industry="").values_list("industry", flat=True).distinct())),
    }


@dataclass
class AboutToReturn:
    customer: Customer
    due_on: dt.date
    days_left: int
    awaiting_approval: bool


def about_to_return(user: User, today: dt.date | None = None) -> list[AboutToReturn]:
    """The user's customers the daily pass warned about, still idle now (an activity logged since
    the pass takes a customer off the list at once): three statements."""
    today = today or timezone.localdate()
    rules = clock.Rules.load()
    rows = clock.with_clock(
        Customer.objects.filter(owner_id=user.pk, in_pool=False, pool_due_on__isnull=False)
    ).order_by("pool_due_on", "name")
    pending = set(
        PoolReturnRequest.objects.filter(owner_id=user.pk, status=ReturnStatus.PENDING).values_list(
            "customer_id", flat=True
        )
    )
    found = []
    for customer in rows:
        rule = rules.rule_for(customer)
        if rule is None:
            continue
        due = clock.due_on(customer.idle_since, rule)  # type: ignore[attr-defined]
        if today < clock.warned_from(due, rule):
            continue
        found.append(
            AboutToReturn(
                customer=customer,
                due_on=due,
                days_left=max((due - today).days, 0),
                awaiting_approval=customer.pk in pending,
            )
        )
    return found


def pending_requests(user: User) -> QuerySet[PoolReturnRequest]:
    """The return requests the user may decide: their managed subtree's, everyone's for directors."""
    qs = PoolReturnRequest.objects.filter(status=ReturnStatus.PENDING).select_related("customer", "owner")
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    if user.sees_everything:
        return qs.exclude(owner_id=user.pk)
    teams = managed_team_ids(user)
    if not teams:
        return qs.none()
    return qs.filter(owner__team_id__in=teams).exclude(owner_id=user.pk)


@dataclass
class Allowance:
    limit: int
    window_days: int
    used: int

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


def claimed_count(user: User, pool_settings: PoolSettings, *, now: dt.datetime | None = None) -> int:
    """Customers the user owns that they claimed from the pool within the claim window: the count
    the claim limit bounds. A claimed customer that returned to the pool or was handed to someone
    else stops counting; so does one claimed longer ago than the window."""
    since = (now or timezone.now()) - dt.timedelta(days=pool_settings.claim_window_days)
    return Customer.objects.filter(owner_id=user.pk, in_pool=False, claimed_at__gte=since).count()


def allowance(user: User) -> Allowance:
    pool_settings = PoolSettings.current()
    return Allowance(
        limit=pool_settings.claim_limit,
        window_days=pool_settings.claim_window_days,
        used=claimed_count(user, pool_settings),
    )


def rules() -> QuerySet[PoolRule]:
    return PoolRule.objects.all()
