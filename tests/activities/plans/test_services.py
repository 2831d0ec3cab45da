"""Plan writes: periods, one plan per period, goals, planned activities within the period, comments
only from the owner's manager, and a plan edited only by its owner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kam.access.permissions import may_comment_plan
from kam.activities.models import ActivityKind, ActivityStatus, PlanPeriod
from kam.activities.plans import services as plans
from kam.core.errors import ConflictError
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 6, 1)


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


@pytest.fixture
def plan(world):
    return plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=MONDAY)


def test_a_week_starts_on_monday_and_a_month_on_the_first(world):
    assert "starts_on" in errors_of(
        lambda: plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=dt.date(2026, 6, 2))
    )
    assert "starts_on" in errors_of(
        lambda: plans.create_plan(
            by=world.east_rep, period=PlanPeriod.MONTH, starts_on=MONDAY + dt.timedelta(1)
        )
    )
    assert "period" in errors_of(
        lambda: plans.create_plan(by=world.east_rep, period="year", starts_on=MONDAY)
    )
    month = plans.create_plan(by=world.east_rep, period=PlanPeriod.MONTH, starts_on=MONDAY)
    assert (month.owner, month.period, month.starts_on) == (world.east_rep, "month", MONDAY)


def test_one_plan_per_person_and_period(world, plan):
    assert errors_of(
        lambda: plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=MONDAY)
    ) == {"starts_on": ["You already have a plan for this period."]}
    other = plans.create_plan(by=world.east_rep2, period=PlanPeriod.WEEK, starts_on=MONDAY)
    assert other.owner == world.east_rep2


def test_goals_about_a_visible_customer_and_its_contacts(world, plan):
    contact = ContactFactory(customer=world.east_customer)
    goal = plans.add_goal(plan, by=world.east_rep, text="  Meet the decision maker ", contact=contact)
    assert (goal.text, goal.customer, goal.contact) == (
        "Meet the decision maker",
        world.east_customer,
        contact,
    )
    assert "customer" in errors_of(
        lambda: plans.add_goal(plan, by=world.east_rep, text="x", customer=world.west_customer)
    )
    assert "contact" in errors_of(
        lambda: plans.add_goal(
            plan,
            by=world.east_rep,
            text="x",
            customer=world.east_customer,
            contact=ContactFactory(customer=world.east_opp2.customer),
        )
    )
    assert "text" in errors_of(lambda: plans.add_goal(plan, by=world.east_rep, text="  "))
    plans.update_goal(goal, by=world.east_rep, achieved=True)
    goal.refresh_from_db()
    assert goal.achieved


def test_only_the_owner_changes_a_plan(world, plan):
    with pytest.raises(PermissionDenied):
        plans.add_goal(plan, by=world.east_mgr, text="Manager's goal")
    with pytest.raises(PermissionDenied):
        plans.update_plan(plan, by=world.east_mgr, version=plan.version, notes="x")
    goal = plans.add_goal(plan, by=world.east_rep, text="Own goal")
    with pytest.raises(PermissionDenied):
        plans.delete_goal(goal, by=world.east_rep2)
    plans.delete_goal(goal, by=world.east_rep)
    assert not plan.goals.exists()


def test_notes_are_versioned(world, plan):
    plans.update_plan(plan, by=world.east_rep, version=1, notes="Focus on East Steel")
    with pytest.raises(ConflictError):
        plans.update_plan(plan, by=world.east_rep, version=1, notes="stale")
    plan.refresh_from_db()
    assert (plan.notes, plan.version) == ("Focus on East Steel", 2)


def test_planned_activities_start_within_the_period(world, plan):
    visit = ActivityKind.objects.get(code="visit")
    inside = timezone.make_aware(dt.datetime(2026, 6, 7, 23, 30))
    activity = plans.add_planned_activity(
        plan, by=world.east_rep, kind=visit, customer=world.east_customer, start=inside, summary="Site visit"
    )
    assert (activity.plan, activity.status, activity.planned_start) == (plan, ActivityStatus.PLANNED, inside)
    outside = timezone.make_aware(dt.datetime(2026, 6, 8, 0, 0))
    assert "start" in errors_of(
        lambda: plans.add_planned_activity(
            plan, by=world.east_rep, kind=visit, customer=world.east_customer, start=outside, summary="Late"
        )
    )
    # The activities service still checks the rest (a customer the rep sees).
    assert "customer" in errors_of(
        lambda: plans.add_planned_activity(
            plan, by=world.east_rep, kind=visit, customer=world.west_customer, start=inside, summary="x"
        )
    )


def test_the_owners_manager_and_a_director_comment_the_owner_does_not(world, plan):
    comment = plans.add_comment(plan, by=world.east_mgr, text="Push for the decision maker")
    assert (comment.author, comment.plan) == (world.east_mgr, plan)
    plans.add_comment(plan, by=world.director, text="Agreed")
    for outsider in (world.east_rep, world.east_rep2, world.west_mgr, world.west_rep):
        assert not may_comment_plan(outsider, plan)
        with pytest.raises(PermissionDenied):
            plans.add_comment(plan, by=outsider, text="x")
    assert "text" in errors_of(lambda: plans.add_comment(plan, by=world.east_mgr, text=" "))
    assert [c.text for c in plan.comments.all()] == ["Push for the decision maker", "Agreed"]
