"""Relationship history of a customer: level changes over time per person and the coverage of key people month by month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from kam.customers.models import Customer
from kam.org.models import User
from kam.relationships.models import (
    Contact,
    RelationshipChange,
    RelationshipPolicy,
)

HISTORY_PAGE_SIZE = 50


DEFAULT_MONTHS = 12


MAX_MONTHS = 60


def history_changes(
    customer: Customer, *, contact_id: int | None = None, user_id: int | None = None
) -> QuerySet[RelationshipChange]:
    """Every level change on the customer's contacts, newest first; page it with a slice.

    The rows of a deleted contact stay (by the customer they were recorded under), named as they
    were then: `contact_name` is today's name, or the recorded one; `contact_exists` tells which."""
    current = Contact.objects.filter(pk=OuterRef("contact_id"))
    qs = RelationshipChange.objects.filter(customer=customer)
    if contact_id:
        qs = qs.filter(contact_id=contact_id)
    if user_id:
        qs = qs.filter(user_id=user_id)
    return (
        qs.select_related("user", "changed_by")
        .annotate(
            contact_name=Coalesce(Subquery(current.values("name")[:1]), F("subject_label")),
            contact_exists=Exists(current),
        )
        .order_by("-changed_at", "-id")
    )


def history_people(customer: Customer) -> QuerySet[User]:
    """Our people who appear in the customer's history (for the filter)."""
    users = RelationshipChange.objects.filter(customer=customer).values("user_id").order_by()
    return User.objects.filter(pk__in=users).order_by("name", "username")


def customer_contacts(customer: Customer) -> QuerySet[Contact]:
    return Contact.objects.filter(customer=customer).only("id", "name", "customer_id").order_by("name", "id")


@dataclass
class LevelSeries:
    user: User | None  # None: the company level (the highest any of our people holds)
    points: list[tuple[dt.datetime, int]] = field(default_factory=list)


@dataclass
class LevelStep:
    at: dt.datetime
    user: User
    level: int
    company_level: int


@dataclass
class LevelHistory:
    contact: Contact
    people: list[LevelSeries]
    company: LevelSeries
    steps: list[LevelStep] = field(default_factory=list)  # every change, oldest first, for the table


def level_history(contact: Contact) -> LevelHistory:
    """A contact's level over time: a step series per person and the company level, one query.

    The company level is recomputed at every change as the highest level any person then holds,
    so a drop by the best-connected person shows as a drop only if nobody else holds as much.
    """
    changes = (
        RelationshipChange.objects.filter(contact=contact)
        .select_related("user")
        .only("id", "user__id", "user__name", "user__username", "to_level", "changed_at", "user_id")
        .order_by("changed_at", "id")
    )
    current: dict[int, int] = {}
    series: dict[int, LevelSeries] = {}
    company = LevelSeries(user=None)
    steps = []
    for change in changes:
        current[change.user_id] = change.to_level
        series.setdefault(change.user_id, LevelSeries(user=change.user)).points.append(
            (change.changed_at, change.to_level)
        )
        top = max(current.values())
        company.points.append((change.changed_at, top))
        steps.append(LevelStep(change.changed_at, change.user, change.to_level, top))
    people = sorted(series.values(), key=lambda s: (-s.points[-1][1], str(s.user)))
    return LevelHistory(contact=contact, people=people, company=company, steps=steps)


def level_history_json(history: LevelHistory) -> dict[str, Any]:
    def points(s: LevelSeries) -> list[dict[str, Any]]:
        return [{"at": at, "level": level} for at, level in s.points]

    return {
        "contact": {"id": history.contact.pk, "name": history.contact.name},
        "now": timezone.now(),
        "people": [
            {"person": {"id": s.user.pk, "name": str(s.user)}, "points": points(s)}
            for s in history.people
            if s.user is not None
        ],
        "company": points(history.company),
    }


@dataclass
class MonthCoverage:
    month: str  # YYYY-MM
    end: dt.datetime  # the state is the one at this instant (now, for the current month)
    key_at_target: int  # key contacts known at CR3 or above
    key_covered: int  # key contacts known at CR1 or above
    people: int  # our people holding any relationship with the customer's contacts


def month_starts(months: int, now: dt.datetime) -> list[dt.datetime]:
    """The first instant of each of the last `months` months (the current one last), local time."""
    local = timezone.localtime(now)
    year, month = local.year, local.month
    starts = []
    for _index in range(months):
        starts.append(timezone.make_aware(dt.datetime(year, month, 1)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


def _next_month(start: dt.datetime) -> dt.datetime:
    local = timezone.localtime(start)
    year, month = (local.year, local.month + 1) if local.month < 12 else (local.year + 1, 1)
    return timezone.make_aware(dt.datetime(year, month, 1))


def coverage_over_time(
    customer: Customer,
    key_ids: set[int] | None,
    *,
    months: int = DEFAULT_MONTHS,
    now: dt.datetime | None = None,
) -> list[MonthCoverage]:
    """The team's coverage at the end of each month, replayed from the change history in one query.

    `key_ids` are the contacts that count (None: every contact). Today's key contacts are used for
    every month: the question is how well we have covered the people who matter now.
    """
    now = now or timezone.now()
    months = max(1, min(months, MAX_MONTHS))
    starts = month_starts(months, now)
    ends = [min(_next_month(start), now) for start in starts]
    changes = (
        RelationshipChange.objects.filter(contact__customer=customer, changed_at__lt=ends[-1])
        .order_by("changed_at", "id")
        .values_list("user_id", "contact_id", "to_level", "changed_at")
    )
    levels: dict[tuple[int, int], int] = {}
    rows = iter(changes)
    pending = next(rows, None)
    result = []
    for start, end in zip(starts, ends, strict=True):
        while pending is not None and pending[3] < end:
            levels[(pending[0], pending[1])] = pending[2]
            pending = next(rows, None)
        best: dict[int, int] = {}
        people: set[int] = set()
        for (user_id, contact_id), level in levels.items():
            people.add(user_id)
            if key_ids is None or contact_id in key_ids:
                best[contact_id] = max(level, best.get(contact_id, 0))
        result.append(
            MonthCoverage(
                month=timezone.localtime(start).strftime("%Y-%m"),
                end=end,
                key_at_target=sum(
                    1 for level in best.values() if level >= RelationshipPolicy.current().top_rank_min_level
                ),
                key_covered=sum(1 for level in best.values() if level >= 1),
                people=len(people),
            )
        )
    return result


def coverage_over_time_json(rows: list[MonthCoverage], *, show_all: bool, key_count: int) -> dict[str, Any]:
    return {
        "all": show_all,
        "contacts_counted": key_count,
        "target_level": RelationshipPolicy.current().top_rank_min_level,
        "months": [
            {
                "month": row.month,
                "end": row.end,
                "at_target": row.key_at_target,
                "covered": row.key_covered,
                "people": row.people,
            }
            for row in rows
        ],
    }
