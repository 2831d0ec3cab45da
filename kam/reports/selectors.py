"""Reads the reports share: activity figures per owner, the week's planned work, the key accounts'
status and the period's closed deals. Each is a fixed number of SQL aggregates or capped lists,
read through the reader's visibility and narrowed to the report's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from kam.access.visibility import activities_for, customers_for, opportunities_for, plans_for
from kam.activities.models import Activity, ActivityStatus, PlanGoal
from kam.customers.models import Customer, Segment
from kam.customers.models.customer import in_english
from kam.insights.models import FlaggedOpportunity
from kam.opportunities.models import Opportunity, OpportunityStatus, StageChange
from kam.opportunities.selectors import EXPECTED_AMOUNT, WEIGHTED_AMOUNT
from kam.relationships.models import Contact, Rank, Relationship
from kam.reports.periods import local_midnight
from kam.reports.scope import Scope

# A listed section shows at most this many rows; its count covers all of them.
ROW_LIMIT = 200
MONEY = DecimalField(max_digits=20, decimal_places=2)
HOURS = DecimalField(max_digits=12, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A contact known at this level or above tells us about the project (CR3): "covered".
COVERED_LEVEL = 3


def money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def hours(minutes: Any) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(CENT)


def scoped(qs: QuerySet, scope: Scope, field: str = "owner_id") -> QuerySet:
    return qs if scope.owner_ids is None else qs.filter(**{f"{field}__in": sorted(scope.owner_ids)})


def owner_name(row: Mapping[str, Any], prefix: str = "owner__") -> str:
    return row.get(f"{prefix}name") or row.get(f"{prefix}username") or ""


# --- activities ----------------------------------------------------------------------------------


def _activities(scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Activity]:
    """The scope's activities starting on [start, end] (local days), through the reader's view."""
    qs = activities_for(
        scope.reader,
        Activity.objects.filter(
            start__gte=local_midnight(start), start__lt=local_midnight(end + dt.timedelta(1))
        ),
    )
    return scoped(qs, scope)


def activity_figures(scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per owner (by name): activities done, planned still open, cancelled, visits done and hours
    done (one grouped query). Where the hours went is the time analysis' (kam.activities.time)."""
    done = Q(status=ActivityStatus.DONE)
    rows = (
        _activities(scope, start, end)
        .values("owner_id", "owner__name", "owner__username")
        .annotate(
            done=Count("pk", filter=done),
            planned=Count("pk", filter=Q(status=ActivityStatus.PLANNED)),
            cancelled=Count("pk", filter=Q(status=ActivityStatus.CANCELLED)),
            visits=Count("pk", filter=done & Q(kind__counts_as_visit=True)),
            minutes=Sum("duration_minutes", filter=done),
        )
        .order_by()
    )
    result = [
        {
            "owner_id": row["owner_id"],
            "owner": owner_name(row),
            "done": row["done"],
            "planned": row["planned"],
            "cancelled": row["cancelled"],
            "visits": row["visits"],
            "hours": hours(row["minutes"]),
        }
        for row in rows
    ]
    result.sort(key=lambda r: (r["owner"], r["owner_id"]))
    return result


def activity_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {
        name: sum((r[name] for r in rows), 0) for name in ("done", "planned", "cancelled", "visits")
    }
    total["hours"] = money(sum((r["hours"] for r in rows), ZERO))
    return total


def planned_activities(scope: Scope, start: dt.date, end: dt.date) -> tuple[list[dict[str, Any]], int]:
    """The scope's planned activities on [start, end], by start (the first ROW_LIMIT), and how many."""
    qs = _activities(scope, start, end).filter(status=ActivityStatus.PLANNED)
    count = qs.count()
    rows = []
    if count:
        for row in qs.order_by("start", "pk").values(
            "pk",
            "start",
            "summary",
            "duration_minutes",
            "owner__name",
            "owner__username",
            "customer_id",
            "customer__name",
            "kind__name",
            "kind__name_en",
            "opportunity__name",
        )[:ROW_LIMIT]:
            rows.append(
                {
                    "start": row["start"],
                    "owner": owner_name(row),
                    "kind": _bilingual(row["kind__name"], row["kind__name_en"]),
                    "customer": row["customer__name"],
                    "opportunity": row["opportunity__name"] or "",
                    "summary": row["summary"],
                    "hours": hours(row["duration_minutes"]),
                    "url": reverse("customers:detail", args=[row["customer_id"]]),
                }
            )
    return rows, count


def _bilingual(name: str, name_en: str) -> str:
    return name_en if name_en and in_english() else name


def plan_goals(scope: Scope, period: str, starts_on: dt.date) -> list[dict[str, Any]]:
    """The goals of the scope's plans for the period starting on `starts_on` (one query)."""
    plans = scoped(plans_for(scope.reader), scope).filter(period=period, starts_on=starts_on)
    rows = (
        PlanGoal.objects.filter(plan__in=plans.values("pk"))
        .order_by("plan__owner__username", "order", "pk")
        .values("text", "achieved", "plan__owner__name", "plan__owner__username", "customer__name")[
            :ROW_LIMIT
        ]
    )
    return [
        {
            "owner": owner_name(row, "plan__owner__"),
            "goal": row["text"],
            "customer": row["customer__name"] or "",
            "achieved": row["achieved"],
        }
        for row in rows
    ]


# --- key accounts --------------------------------------------------------------------------------


def key_accounts(scope: Scope) -> tuple[list[dict[str, Any]], int]:
    """The scope's key accounts (segment key), by name: open pipeline, last touch, relationship
    coverage and open flags. Four queries whatever the number of accounts: the accounts with their
    pipeline (subqueries), the contacts' best levels, the contact counts and the flags."""
    customers = scoped(
        customers_for(scope.reader, Customer.objects.filter(segment=Segment.KEY)), scope
    ).order_by("name", "pk")
    count = customers.count()
    if not count:
        return [], 0
    open_deals = opportunities_for(
        scope.reader, Opportunity.objects.filter(customer_id=OuterRef("pk"), status=OpportunityStatus.OPEN)
    ).order_by()

    def per_customer(expression: Any, output: Any) -> Subquery:
        return Subquery(
            open_deals.values("customer_id").annotate(v=expression).values("v")[:1], output_field=output
        )

    listed = list(
        customers.annotate(
            open_count=Coalesce(per_customer(Count("pk"), IntegerField()), Value(0)),
            open_amount=per_customer(Sum(EXPECTED_AMOUNT), MONEY),
            weighted=per_customer(Sum(WEIGHTED_AMOUNT), MONEY),
        ).values(
            "pk",
            "name",
            "tier",
            "owner__name",
            "owner__username",
            "last_touch_at",
            "open_count",
            "open_amount",
            "weighted",
        )[:ROW_LIMIT]
    )
    ids = [row["pk"] for row in listed]
    # Per contact the company's level (the best any of our people holds), then per customer.
    best_levels = (
        Relationship.objects.filter(contact__customer_id__in=ids)
        .values("contact_id", "contact__customer_id", "contact__rank")
        .annotate(level=Max("level"))
        .order_by()
    )
    covered: dict[int, int] = {}
    top_level: dict[int, int] = {}
    for row in best_levels:
        customer_id = row["contact__customer_id"]
        if row["level"] >= COVERED_LEVEL:
            covered[customer_id] = covered.get(customer_id, 0) + 1
        if row["contact__rank"] == Rank.HIGH:
            top_level[customer_id] = max(top_level.get(customer_id, 0), row["level"])
    contacts = dict(
        Contact.objects.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("customer_id", "n")
    )
    visible_open = opportunities_for(
        scope.reader, Opportunity.objects.filter(customer_id__in=ids, status=OpportunityStatus.OPEN)
    )
    flags: dict[int, Mapping[str, Any]] = {
        row["opportunity__customer_id"]: row
        for row in FlaggedOpportunity.objects.filter(opportunity__in=visible_open.values("pk"))
        .values("opportunity__customer_id")
        .annotate(flagged=Count("pk"), worst=Max("rank"))
        .order_by()
    }
    result = []
    for row in listed:
        pk = row["pk"]
        flag = flags.get(pk) or {}
        result.append(
            {
                "customer_id": pk,
                "customer": row["name"],
                "tier": row["tier"],
                "owner": owner_name(row),
                "open_count": row["open_count"],
                "open_amount": money(row["open_amount"]),
                "weighted": money(row["weighted"]),
                "last_touch_at": row["last_touch_at"],
                "contacts": contacts.get(pk, 0),
                "covered_contacts": covered.get(pk, 0),
                "top_level": top_level.get(pk),
                "flagged_deals": flag.get("flagged", 0),
                "url": reverse("customers:detail", args=[pk]),
            }
        )
    return result, count


# --- closed deals --------------------------------------------------------------------------------

CLOSED = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)


def closed_deals(scope: Scope, start: dt.date, end: dt.date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Deals closed (won, lost, dropped) on [start, end] in the scope, biggest first (the first
    ROW_LIMIT) with their reasons, and the count and amount per status (two queries)."""
    qs = scoped(
        opportunities_for(
            scope.reader,
            Opportunity.objects.filter(
                status__in=CLOSED,
                closed_at__gte=local_midnight(start),
                closed_at__lt=local_midnight(end + dt.timedelta(1)),
            ),
        ),
        scope,
    ).annotate(expected=ExpressionWrapper(EXPECTED_AMOUNT, output_field=MONEY))
    totals: dict[str, Any] = {}
    for row in qs.values("status").annotate(n=Count("pk"), amount=Sum("expected")).order_by():
        totals[row["status"]] = {"count": row["n"], "amount": money(row["amount"])}
    labels = dict(OpportunityStatus.choices)
    rows = []
    if totals:
        for row in qs.order_by(F("expected").desc(nulls_last=True), "pk").values(
            "pk",
            "project_number",
            "name",
            "status",
            "expected",
            "closed_at",
            "close_reason",
            "lost_to__name",
            "customer__name",
            "owner__name",
            "owner__username",
            "stage__code",
        )[:ROW_LIMIT]:
            rows.append(
                {
                    "opportunity": f"{row['project_number']} {row['name']}",
                    "customer": row["customer__name"],
                    "owner": owner_name(row),
                    "status": str(labels.get(row["status"], row["status"])),
                    "stage": row["stage__code"],
                    "amount": money(row["expected"]),
                    "closed_at": row["closed_at"],
                    "reason": row["close_reason"],
                    "lost_to": row["lost_to__name"] or "",
                    "url": reverse("opportunities:detail", args=[row["pk"]]),
                }
            )
    return rows, totals


# --- stage moves ---------------------------------------------------------------------------------


def stage_moves(scope: Scope, start: dt.date, end: dt.date) -> tuple[list[dict[str, Any]], int]:
    """The scope's stage moves on [start, end] (local days), in the order they happened (the first
    ROW_LIMIT), each with the stage summary written on leaving the stage, and how many in all: one
    query, a second to count only when the list is cut."""
    deals = scoped(opportunities_for(scope.reader, Opportunity.objects.all()), scope)
    qs = StageChange.objects.filter(
        from_stage__isnull=False,
        changed_at__gte=local_midnight(start),
        changed_at__lt=local_midnight(end + dt.timedelta(1)),
        opportunity__in=deals.order_by().values("pk"),
    )
    listed = list(
        qs.order_by("changed_at", "pk").values(
            "changed_at",
            "opportunity_id",
            "opportunity__project_number",
            "opportunity__name",
            "opportunity__owner__name",
            "opportunity__owner__username",
            "from_stage__code",
            "from_stage__order",
            "to_stage__code",
            "to_stage__order",
            "achieved",
            "carry_over",
            "note",
        )[:ROW_LIMIT]
    )
    count = qs.count() if len(listed) == ROW_LIMIT else len(listed)
    rows = [
        {
            "changed_at": row["changed_at"],
            "opportunity": f"{row['opportunity__project_number']} {row['opportunity__name']}",
            "owner": owner_name(row, "opportunity__owner__"),
            "from_stage": row["from_stage__code"],
            "to_stage": row["to_stage__code"],
            "direction": "forward" if row["to_stage__order"] > row["from_stage__order"] else "back",
            "achieved": row["achieved"],
            "carry_over": row["carry_over"],
            "note": row["note"],
            "url": reverse("opportunities:detail", args=[row["opportunity_id"]]),
        }
        for row in listed
    ]
    return rows, count
