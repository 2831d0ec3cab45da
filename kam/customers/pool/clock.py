"""When a customer returns to the pool: which rule it follows, since when its owner has been idle
with it, and the day it returns.

"No activity by its owner" reads activities (kam.activities): the latest done activity with the
customer whose owner is the customer's owner or whose people include them. The clock starts from
that activity, or from when the owner took the customer (`kept_since`: created, handed over,
claimed, kept by a manager's refusal), whichever is later. Days are whole calendar days in the
server's time zone: a customer last touched on day D with a rule of N days is still held on D+N and
returns on D+N+1; its owner is warned from D+N+1−(warning days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import DateTimeField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from kam.activities.models import Activity, ActivityStatus
from kam.customers.models import Customer, PoolRule


@dataclass(frozen=True)
class Rules:
    by_tier: dict[str, PoolRule]
    by_segment: dict[str, PoolRule]

    @classmethod
    def load(cls) -> Rules:
        rules = list(PoolRule.objects.filter(active=True))
        return cls(
            by_tier={r.tier: r for r in rules if r.tier},
            by_segment={r.segment: r for r in rules if r.segment},
        )

    def rule_for(self, customer: Customer) -> PoolRule | None:
        return self.by_tier.get(customer.tier) or self.by_segment.get(customer.segment)

    def scopes(self) -> list[tuple[PoolRule, Q]]:
        """Each rule with the customers it governs (a segment's rule leaves out the tiers that have one)."""
        scoped = [(rule, Q(tier=tier)) for tier, rule in self.by_tier.items()]
        for segment, rule in self.by_segment.items():
            condition = Q(segment=segment)
            if self.by_tier:
                condition &= ~Q(tier__in=list(self.by_tier))
            scoped.append((rule, condition))
        return scoped


def owner_touch() -> Subquery:
    """The start of the latest done activity with the customer (OuterRef) involving its owner."""
    return Subquery(
        Activity.objects.filter(customer_id=OuterRef("pk"), status=ActivityStatus.DONE)
        .filter(Q(owner_id=OuterRef("owner_id")) | Q(our_people=OuterRef("owner_id")))
        .order_by("-start")
        .values("start")[:1],
        output_field=DateTimeField(),
    )


def with_clock(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """Annotate `idle_since`: the later of the owner's latest done activity and `kept_since`."""
    kept = Coalesce(F("kept_since"), F("created_at"))
    # Both arguments are non-null: SQLite's MAX() of a NULL is NULL, PostgreSQL's GREATEST skips it.
    return qs.annotate(owner_touch_at=owner_touch()).annotate(
        idle_since=Greatest(Coalesce(F("owner_touch_at"), kept), kept, output_field=DateTimeField())
    )


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def due_on(idle_since: dt.datetime, rule: PoolRule) -> dt.date:
    """The day the customer returns: N whole days after the day of its owner's last activity."""
    return timezone.localdate(idle_since) + dt.timedelta(days=rule.days + 1)


def warned_from(due: dt.date, rule: PoolRule) -> dt.date:
    return due - dt.timedelta(days=rule.warning_days)


def idle_days(idle_since: dt.datetime, today: dt.date) -> int:
    return (today - timezone.localdate(idle_since)).days
