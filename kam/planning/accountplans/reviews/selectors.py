"""Reads of the rolling cycle: the reviews due (and the owner's reminder count), a plan's review
history, the year's planning cycle, and the manager's portfolio of key and important accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kam.access.visibility import account_plans_for
from kam.customers.models import Segment
from kam.org.models import Role, User
from kam.org.visibility import visible_users
from kam.planning.accountplans import cadence
from kam.planning.accountplans.models import (
    AccountPlan,
    PlanningCycle,
    PlanReview,
    PlanStatus,
    ReviewCadence,
)
from kam.planning.accountplans.reviews.services import Phase, current_phase

# A segment without a cadence row reminds this many days ahead (the model's default).
DEFAULT_REMIND_DAYS = 14


# Reviews due -------------------------------------------------------------------------------------


def remind_days(table: dict[str, ReviewCadence] | None = None) -> dict[str, int]:
    table = cadence.cadences() if table is None else table
    return {
        segment: table[segment].remind_days_before if segment in table else DEFAULT_REMIND_DAYS
        for segment in Segment.values
    }


def _due_condition(today: dt.date, days: dict[str, int]) -> Q:
    """Due within its segment's reminder window, or past: one indexed range per segment."""
    condition = Q()
    for segment, ahead in days.items():
        condition |= Q(customer__segment=segment, next_review_due__lte=today + dt.timedelta(days=ahead))
    return condition


def reviews_due(
    user: User,
    *,
    today: dt.date | None = None,
    mine: bool = False,
    owner: int | None = None,
    segment: str = "",
    overdue_only: bool = False,
    days: dict[str, int] | None = None,
) -> QuerySet[AccountPlan]:
    """The active plans the user may see whose next review is due within the reminder window of
    their segment's cadence, or overdue; the earliest first. `mine`: the plans the user owns;
    `owner`: those one person owns (among the visible)."""
    today = today or timezone.localdate()
    qs = AccountPlan.objects.filter(status=PlanStatus.ACTIVE, next_review_due__isnull=False)
    qs = qs.filter(owner=user) if mine else account_plans_for(user, qs)
    if owner:
        qs = qs.filter(owner_id=owner)
    if segment:
        qs = qs.filter(customer__segment=segment)
    if overdue_only:
        qs = qs.filter(next_review_due__lt=today)
    else:
        qs = qs.filter(_due_condition(today, remind_days() if days is None else days))
    return qs.select_related("customer", "owner").order_by("next_review_due", "customer__name", "pk")


def due_counts_by_segment(qs: QuerySet[AccountPlan]) -> dict[str, int]:
    rows = qs.order_by().values("customer__segment").annotate(n=Count("pk"))
    return {row["customer__segment"]: row["n"] for row in rows}


def reminder_count(user: User, today: dt.date | None = None) -> int:
    """The owner's reminder: their active plans with a review due within the window or overdue."""
    if not user.is_active:
        return 0
    return reviews_due(user, today=today, mine=True).count()


@dataclass
class DueRow:
    plan: AccountPlan
    days: int  # days until due (negative: overdue)

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days)


def due_rows(plans: list[AccountPlan], today: dt.date) -> list[DueRow]:
    return [DueRow(plan, (p.next_review_due - today).days) for plan in plans if (p := plan).next_review_due]


# A plan's reviews --------------------------------------------------------------------------------


def plan_reviews(plan: AccountPlan) -> list[PlanReview]:
    return list(
        PlanReview.objects.filter(plan=plan)
        .select_related("reviewed_by")
        .prefetch_related("participants")
        .order_by("-held_on", "-id")
    )


def participant_candidates(by: User, plan: AccountPlan) -> QuerySet[User]:
    """Whom a review names as present: the plan's owner and team, the people the reviewer sees, and
    the managers and directors who hold reviews."""
    return User.objects.filter(
        Q(pk=plan.owner_id)
        | Q(pk__in=plan.members.values("user_id"))
        | Q(pk__in=visible_users(by).values("pk"))
        | Q(role__in=[Role.MANAGER, Role.DIRECTOR]),
        is_active=True,
    ).order_by("name", "username")


def collective_plans(user: User, segment: str) -> QuerySet[AccountPlan]:
    """The active plans of a segment the user may see, for one collective review."""
    return (
        account_plans_for(
            user, AccountPlan.objects.filter(status=PlanStatus.ACTIVE, customer__segment=segment)
        )
        .select_related("customer", "owner")
        .order_by("customer__name", "pk")
    )


def collective_segments() -> list[ReviewCadence]:
    return list(ReviewCadence.objects.filter(collective=True).order_by("segment"))


# The planning cycle ------------------------------------------------------------------------------


@dataclass
class PhaseRow:
    key: str
    label: Any
    starts: dt.date
    ends: dt.date | None
    current: bool


def cycle_for(year: int) -> PlanningCycle | None:
    return PlanningCycle.objects.select_related("updated_by").filter(year=year).first()


def timetable(cycle: PlanningCycle, today: dt.date) -> list[PhaseRow]:
    """The round's four phases with their dates; the one `today` falls in is current."""
    phase = current_phase(cycle, today)
    one_day = dt.timedelta(days=1)
    spans = {
        Phase.PREPARATION: (cycle.preparation_starts, cycle.drafting_starts - one_day),
        Phase.DRAFTING: (cycle.drafting_starts, cycle.drafting_ends),
        Phase.REVIEW: (cycle.drafting_ends + one_day, cycle.review_by),
        Phase.IMPLEMENTATION: (cycle.implementation_starts, None),
    }
    return [
        PhaseRow(key, Phase.LABELS[key], spans[key][0], spans[key][1], key == phase) for key in Phase.ORDER
    ]


def drafting_weeks(cycle: PlanningCycle) -> int:
    return ((cycle.drafting_ends - cycle.drafting_starts).days + 1) // 7
