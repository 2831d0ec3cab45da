"""The manager's portfolio of key accounts (and important ones): which have no active plan for the
year, which have a review overdue, how many goals are off track, each plan's status and owner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from kam.access.visibility import customers_for
from kam.customers.models import Customer, Segment
from kam.org.models import User
from kam.org.visibility import team_subtree_ids
from kam.planning.accountplans.models import AccountPlan, PlanStatus
from kam.planning.accountplans.ogsm.selectors import off_track_counts

PORTFOLIO_SEGMENTS = (Segment.KEY, Segment.IMPORTANT)


SORTS = {
    "name": ("customer_name",),
    "owner": ("owner_name", "customer_name"),
    "status": ("status_order", "customer_name"),
    "due": ("due_order", "customer_name"),
    "off_track": ("off_track_order", "customer_name"),
}
# A plan's status in the order a manager acts on it: nothing yet first, then work in progress.
STATUS_ORDER: dict[str, int] = {
    "": 0,
    PlanStatus.DRAFT: 1,
    PlanStatus.SUBMITTED: 2,
    PlanStatus.ACTIVE: 3,
    PlanStatus.CLOSED: 4,
}


@dataclass
class PortfolioRow:
    customer_id: int
    customer_name: str
    segment: str
    owner_name: str
    team_name: str
    plan_id: int | None
    status: str | None
    plan_owner_name: str
    next_review_due: dt.date | None
    last_reviewed_on: dt.date | None
    covered_by_group: bool
    off_track: int = 0
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def active(self) -> bool:
        return self.status == PlanStatus.ACTIVE

    @property
    def no_active_plan(self) -> bool:
        return not self.active and not self.covered_by_group

    @property
    def overdue(self) -> bool:
        return self.active and self.next_review_due is not None and self.next_review_due < self.today

    @property
    def days_overdue(self) -> int:
        return (self.today - self.next_review_due).days if self.overdue and self.next_review_due else 0

    @property
    def status_label(self) -> Any:
        return PlanStatus(self.status).label if self.status else None

    # Sort keys.
    @property
    def status_order(self) -> int:
        return STATUS_ORDER.get(self.status or "", 0)

    @property
    def due_order(self) -> tuple[int, dt.date]:
        return (0, self.next_review_due) if self.active and self.next_review_due else (1, dt.date.max)

    @property
    def off_track_order(self) -> int:
        return -self.off_track


@dataclass
class PortfolioGroup:
    segment: str
    label: Any
    rows: list[PortfolioRow]
    customers: int = 0
    with_active_plan: int = 0
    without_active_plan: int = 0
    in_progress: int = 0
    overdue: int = 0
    off_track_goals: int = 0


@dataclass
class Portfolio:
    year: int
    today: dt.date
    groups: list[PortfolioGroup]


def portfolio_customers(
    user: User, *, year: int, today: dt.date, team: int | None = None, owner: int | None = None
) -> QuerySet[Customer]:
    """The key and important customers the user may see (not those in the public pool, which
    nobody manages), with this year's plan's figures as annotations: one statement."""
    qs = customers_for(user, Customer.objects.filter(segment__in=PORTFOLIO_SEGMENTS, in_pool=False))
    if team:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([team]))
    if owner:
        qs = qs.filter(owner_id=owner)
    plan = AccountPlan.objects.filter(customer=OuterRef("pk"), year=year)
    plan_owner = plan.annotate(
        owner_label=Coalesce(NullIf("owner__name", Value("")), "owner__username")
    ).values("owner_label")[:1]
    return qs.annotate(
        plan_id=Subquery(plan.values("pk")[:1]),
        plan_status=Subquery(plan.values("status")[:1]),
        plan_next_due=Subquery(plan.values("next_review_due")[:1]),
        plan_last_reviewed=Subquery(plan.values("last_reviewed_on")[:1]),
        plan_owner_name=Subquery(plan_owner),
        has_active=Exists(plan.filter(status=PlanStatus.ACTIVE)),
        is_overdue=Exists(plan.filter(status=PlanStatus.ACTIVE, next_review_due__lt=today)),
        # A subsidiary is covered by its group's active plan.
        covered_by_group=Exists(
            AccountPlan.objects.filter(
                customer=OuterRef("parent_id"), year=year, covers_group=True, status=PlanStatus.ACTIVE
            )
        ),
    )


def portfolio_figures(qs: QuerySet[Customer]) -> dict[str, dict[str, int]]:
    """Per segment: customers, with an active plan (or covered by their group's), without one,
    plans in progress (draft or submitted) and overdue reviews, in one aggregate statement."""
    rows = (
        qs.order_by()
        .values("segment")
        .annotate(
            customers=Count("pk"),
            with_active_plan=Count("pk", filter=Q(has_active=True) | Q(covered_by_group=True)),
            in_progress=Count("pk", filter=Q(plan_status__in=[PlanStatus.DRAFT, PlanStatus.SUBMITTED])),
            overdue=Count("pk", filter=Q(is_overdue=True)),
        )
    )
    figures: dict[str, dict[str, int]] = {}
    for row in rows:
        numbers: dict[str, Any] = dict(row)
        segment = numbers.pop("segment")
        numbers["without_active_plan"] = numbers["customers"] - numbers["with_active_plan"]
        figures[segment] = numbers
    return figures


def portfolio(
    user: User,
    *,
    year: int | None = None,
    today: dt.date | None = None,
    team: int | None = None,
    owner: int | None = None,
    sort: str = "name",
    descending: bool = False,
) -> Portfolio:
    """The manager's view of the key accounts (and the important ones, a second group): which have
    no active plan for the year, which have a review overdue, how many goals are off track, each
    plan's status and owner. A fixed number of statements whatever the number of customers."""
    today = today or timezone.localdate()
    year = year or today.year
    qs = portfolio_customers(user, year=year, today=today, team=team, owner=owner)
    figures = portfolio_figures(qs)
    customers = list(
        qs.select_related("owner__team").only(
            "pk",
            "name",
            "segment",
            "owner__name",
            "owner__username",
            "owner__team__name",
            "owner__team__name_en",
        )
    )
    active_ids = [c.plan_id for c in customers if c.has_active]  # type: ignore[attr-defined]
    off_track = off_track_counts(active_ids, today) if active_ids else {}
    rows: dict[str, list[PortfolioRow]] = {segment: [] for segment in PORTFOLIO_SEGMENTS}
    for c in customers:
        a: Any = c
        rows[c.segment].append(
            PortfolioRow(
                customer_id=c.pk,
                customer_name=c.name,
                segment=c.segment,
                owner_name=str(c.owner),
                team_name=c.owner.team.display_name if c.owner.team else "",
                plan_id=a.plan_id,
                status=a.plan_status,
                plan_owner_name=a.plan_owner_name or "",
                next_review_due=a.plan_next_due,
                last_reviewed_on=a.plan_last_reviewed,
                covered_by_group=bool(a.covered_by_group) and not a.has_active,
                off_track=off_track.get(a.plan_id, 0) if a.has_active else 0,
                today=today,
            )
        )
    keys = SORTS.get(sort, SORTS["name"])
    groups = []
    for segment in PORTFOLIO_SEGMENTS:
        group_rows = rows[segment]
        group_rows.sort(key=lambda r: tuple(_sort_value(getattr(r, k)) for k in keys), reverse=descending)
        numbers = figures.get(segment, {})
        groups.append(
            PortfolioGroup(
                segment=segment,
                label=Segment(segment).label,
                rows=group_rows,
                customers=numbers.get("customers", 0),
                with_active_plan=numbers.get("with_active_plan", 0),
                without_active_plan=numbers.get("without_active_plan", 0),
                in_progress=numbers.get("in_progress", 0),
                overdue=numbers.get("overdue", 0),
                off_track_goals=sum(r.off_track for r in group_rows),
            )
        )
    return Portfolio(year=year, today=today, groups=groups)


def _sort_value(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value
