"""A small world for the reports: the conftest `world` (East: east_rep and east_rep2, West:
west_rep) with, in week 2026-W46 (9–15 November 2026), a pipeline snapshot at each end, flagged and
closed deals, activities done, planned and cancelled, next week's plan, targets for November, and
East Steel a key account of tier A with one contact known at CR3."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.activities import services as activity_services
from kam.activities.models import ActivityKind, ActivityStatus, Plan, PlanGoal, PlanPeriod
from kam.customers.models import Customer
from kam.insights.review import services as review_services
from kam.insights.targets import services as target_services
from kam.opportunities import services as opportunity_services
from kam.relationships import services as relationship_services
from kam.reports.periods import ReportPeriod, week_of
from tests.factories import CompetitorFactory, make_opportunity, stage
from tests.recorded import recorded

WEEK = week_of(dt.date(2026, 11, 9))
NOVEMBER = ReportPeriod("month", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "2026-11")
EMPTY_WEEK = week_of(dt.date(2025, 1, 6))


def at(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def kind(code: str) -> ActivityKind:
    return ActivityKind.objects.get(code=code)


def log(
    owner,
    customer,
    start: str,
    code: str = "visit",
    *,
    minutes: int = 60,
    status=ActivityStatus.DONE,
    **extra,
):
    return activity_services.create_activity(
        by=owner,
        kind=kind(code),
        customer=customer,
        start=at(start),
        summary=f"{code} {start}",
        status=status,
        duration_minutes=minutes,
        **extra,
    )


@pytest.fixture
def reports_world(world):
    """A week of pipeline changes, activities, targets and relationships on top of `world`;
    recorded like `world`."""
    return recorded("reports_world", lambda: build_reports_world(world), into=world)


def build_reports_world(w):
    # The week's pipeline: a snapshot on Monday, a move, a new deal, a win, a loss; a snapshot next Monday.
    w.before = review_services.take_snapshot(taken_at=at("2026-11-09 07:00"), note="W46")
    opportunity_services.move_stage(w.east_opp, stage("P1"), by=w.east_rep, key_node_confirmed=True)
    w.new_opp = make_opportunity(
        owner=w.east_rep,
        customer=w.east_customer,
        name="New press",
        amount=Decimal("200000"),
        sign_date=dt.date(2026, 11, 20),
    )
    opportunity_services.close_opportunity(
        w.new_opp, by=w.east_rep, status="won", reason="best price", closed_at=at("2026-11-12 10:00")
    )
    w.competitor = CompetitorFactory(name="Rival Corp")
    opportunity_services.close_opportunity(
        w.east_opp2,
        by=w.east_rep2,
        status="lost",
        reason="price too high",
        lost_to=w.competitor,
        closed_at=at("2026-11-13 10:00"),
    )
    w.after = review_services.take_snapshot(taken_at=at("2026-11-16 07:00"), note="W47")
    # A deal whose sign date has passed while open: flagged.
    w.late_opp = make_opportunity(
        owner=w.east_rep,
        customer=w.east_customer,
        name="Late boiler",
        amount=Decimal("50000"),
        sign_date=dt.date(2026, 1, 31),
    )

    # The week's activities: east_rep two visits done, one still planned, one cancelled;
    # east_rep2 half an hour of administration and west_rep one visit, neither planned.
    # east_rep's plan for the week holds those four, and a goal achieved.
    w.week_plan = Plan.objects.create(owner=w.east_rep, period=PlanPeriod.WEEK, starts_on=WEEK.start)
    PlanGoal.objects.create(
        plan=w.week_plan, text="Demo to the plant", customer=w.east_customer, achieved=True
    )
    log(w.east_rep, w.east_customer, "2026-11-10 09:00", plan=w.week_plan)
    log(w.east_rep, w.east_customer, "2026-11-11 09:00", minutes=120, plan=w.week_plan)
    log(w.east_rep, w.east_customer, "2026-11-12 09:00", status=ActivityStatus.PLANNED, plan=w.week_plan)
    log(w.east_rep, w.east_customer, "2026-11-13 09:00", status=ActivityStatus.CANCELLED, plan=w.week_plan)
    log(w.east_rep2, w.east_opp2.customer, "2026-11-10 14:00", "admin", minutes=30)
    log(w.west_rep, w.west_customer, "2026-11-11 10:00")
    # Next week's plan.
    plan = Plan.objects.create(owner=w.east_rep, period=PlanPeriod.WEEK, starts_on=dt.date(2026, 11, 16))
    PlanGoal.objects.create(plan=plan, text="Meet the decision maker", customer=w.east_customer)
    log(w.east_rep, w.east_customer, "2026-11-17 10:00", status=ActivityStatus.PLANNED, plan=plan)

    # Targets for November.
    target_services.create_target(
        by=w.director,
        user=w.east_rep,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        amount=Decimal("400000"),
    )
    target_services.create_target(
        by=w.director,
        team=w.east,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        amount=Decimal("1000000"),
    )

    # Relationship coverage at East Steel: one contact known at CR3, one at CR1.
    w.boss = relationship_services.create_contact(
        by=w.east_rep, customer=w.east_customer, name="Boss", rank="high"
    )
    w.clerk = relationship_services.create_contact(by=w.east_rep, customer=w.east_customer, name="Clerk")
    relationship_services.set_relationship_level(w.boss, w.east_rep, 3, by=w.east_rep, note="met")
    relationship_services.set_relationship_level(w.clerk, w.east_rep, 1, by=w.east_rep, note="heard of")
    # Key accounts last: every deal written above rescored its customer.
    Customer.objects.filter(pk=w.east_customer.pk).update(segment="key", tier="A")
    Customer.objects.filter(pk=w.west_customer.pk).update(segment="key", tier="B")
    w.east_customer.refresh_from_db()
    w.west_customer.refresh_from_db()
    return w
