"""The demo's account plans, built on a small world: each key account gets this year's active plan
with its team, shares, forecast, OGSM and past reviews; one has next year's draft; the cycle is
set; the demo's reset removes them."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.customers.models import Customer
from kam.demo.planning import accountplans as demo_plans
from kam.org.models import User
from kam.planning.accountplans.models import (
    AccountPlan,
    PlanAction,
    PlanGoal,
    PlanningCycle,
    PlanObjective,
    PlanReview,
    PlanStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(world):
    Customer.objects.filter(pk=world.east_customer.pk).update(segment="key")
    Customer.objects.filter(pk=world.west_customer.pk).update(segment="key")
    world.east_customer.refresh_from_db()
    world.west_customer.refresh_from_db()
    users = {"demo_director": world.director, "east_rep": world.east_rep, "west_rep": world.west_rep}
    accounts = [
        SimpleNamespace(customer=world.east_customer, segment="K"),
        SimpleNamespace(customer=world.west_customer, segment="K"),
    ]
    return SimpleNamespace(users=users, today=timezone.localdate(), accounts=accounts)


def test_each_key_account_gets_an_active_plan_with_its_ogsm_and_review_history(builder, world):
    demo_plans.build(builder, random.Random(3))
    year = builder.today.year
    active = AccountPlan.objects.filter(year=year).order_by("customer__name")
    assert [p.customer.name for p in active] == ["East Steel", "West Power"]
    for plan in active:
        assert plan.status == PlanStatus.ACTIVE and plan.activated_at is not None
        assert plan.members.count() == 2 and plan.shares.count() == 2
        assert plan.forecast_years.filter(revenue__isnull=False).count() == 5
        assert PlanObjective.objects.filter(plan=plan).count() == 1
        goals = PlanGoal.objects.filter(objective__plan=plan)
        assert 2 <= goals.count() <= 3 and len({g.metric for g in goals}) == goals.count()
        assert PlanAction.objects.filter(measure__strategy__goal__objective__plan=plan).exists()
        held = list(
            PlanReview.objects.filter(plan=plan).order_by("held_on").values_list("held_on", flat=True)
        )
        assert 2 <= len(held) <= 3 and all(day < builder.today for day in held)
        assert plan.last_reviewed_on == held[-1]
        assert plan.next_review_due is not None and plan.next_review_due > held[-1]
    draft = AccountPlan.objects.get(year=year + 1)
    assert draft.status == PlanStatus.DRAFT and draft.customer == world.east_customer
    assert set(PlanningCycle.objects.values_list("year", flat=True)) == {year, year + 1}


def test_the_build_can_run_twice_and_the_reset_removes_the_plans(builder, world):
    demo_plans.build(builder, random.Random(3))
    count = AccountPlan.objects.count()
    demo_plans.build(builder, random.Random(3))
    assert AccountPlan.objects.count() == count
    users = User.objects.filter(pk__in=[u.pk for u in builder.users.values()])
    customers = Customer.objects.filter(pk__in=[world.east_customer.pk, world.west_customer.pk])
    demo_plans.delete(users, customers, world.east_opp.__class__.objects.none())
    assert not AccountPlan.objects.exists() and not PlanReview.objects.exists()
    assert not PlanningCycle.objects.exists()


def test_the_review_history_is_in_the_past_and_one_plan_is_overdue(builder):
    demo_plans.build(builder, random.Random(3))
    plans = list(AccountPlan.objects.filter(year=builder.today.year, status=PlanStatus.ACTIVE))
    # Key accounts are reviewed quarterly: the second plan's last review, 110 days ago, is overdue.
    assert any(p.next_review_due < builder.today for p in plans)
    assert all(p.next_review_due - p.last_reviewed_on <= dt.timedelta(days=92) for p in plans)
