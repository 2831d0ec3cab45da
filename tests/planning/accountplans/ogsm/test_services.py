from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.activities.models import ActivityStatus
from kam.core.errors import ConflictError, RuleViolation
from kam.planning.accountplans.models import (
    ActionStatus,
    GoalMetric,
    PlanAction,
    PlanChange,
    PlanChangeAction,
    PlanGoal,
    PlanObjective,
    PlanStatus,
)
from kam.planning.accountplans.ogsm import selectors, services
from tests.planning.accountplans.ogsm.helpers import make_cascade, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    return make_plan(world.east_customer, world.east_rep)


def ogsm_changes(plan):
    return list(PlanChange.objects.filter(plan=plan, action=PlanChangeAction.OGSM).order_by("id"))


def test_every_level_added_with_a_line_of_history(world, plan):
    branch = make_cascade(plan, world.east_rep)
    assert branch["action"].measure == branch["measure"]
    changes = ogsm_changes(plan)
    assert len(changes) == 5
    assert changes[0].summary == "Objective «Become the preferred supplier» added"
    assert changes[1].changes["target"] == "1000.00"
    assert changes[4].changes["level"] == "action"
    assert all(c.changed_by == world.east_rep for c in changes)


def test_objectives_are_numbered_in_order_and_moved(world, plan):
    first = services.add_objective(plan, by=world.east_rep, text="One")
    second = services.add_objective(plan, by=world.east_rep, text="Two")
    third = services.add_objective(plan, by=world.east_rep, text="Three")
    assert [first.order, second.order, third.order] == [1, 2, 3]
    services.move(third, by=world.east_rep, version=third.version, position=1)
    texts = list(PlanObjective.objects.filter(plan=plan).order_by("order").values_list("text", flat=True))
    assert texts == ["Three", "One", "Two"]
    assert ogsm_changes(plan)[-1].changes["position"] == [3, 1]


def test_edit_keeps_before_and_after_and_refuses_a_stale_version(world, plan):
    goal = make_cascade(plan, world.east_rep)["goal"]
    read = goal.version
    services.update(goal, by=world.east_rep, version=read, target=Decimal("2000"), text="Grow revenue fast")
    assert PlanGoal.objects.get(pk=goal.pk).target == Decimal("2000")
    change = ogsm_changes(plan)[-1]
    assert change.changes["target"] == ["1000.00", "2000.00"]
    assert "edited" in change.summary
    stale = PlanGoal.objects.get(pk=goal.pk)
    with pytest.raises(ConflictError):
        services.update(stale, by=world.east_rep, version=read, text="Again")
    assert PlanGoal.objects.get(pk=goal.pk).text == "Grow revenue fast"


def test_validation_says_what_is_wrong(world, plan):
    objective = services.add_objective(plan, by=world.east_rep, text="O")
    with pytest.raises(ValidationError) as error:
        services.add_goal(objective, by=world.east_rep, text=" ", target="-1", metric="nonsense")
    assert set(error.value.message_dict) == {"text", "target", "metric"}
    with pytest.raises(ValidationError) as error:
        services.add_objective(plan, by=world.east_rep, text="x" * 501)
    assert "At most 500 characters." in error.value.message_dict["text"]


def test_action_needs_an_owner_who_sees_the_customer_and_a_due_date(world, plan):
    measure = make_cascade(plan, world.east_rep)["measure"]
    with pytest.raises(ValidationError) as error:
        services.add_action(measure, by=world.east_rep, text="Call", owner=world.west_rep, due_date=None)
    assert "cannot see this customer" in error.value.message_dict["owner"][0]
    assert error.value.message_dict["due_date"] == ["Enter the date the action is due."]
    with pytest.raises(ValidationError) as error:
        services.add_action(measure, by=world.east_rep, text="Call", owner=None, due_date=dt.date(2026, 5, 1))
    assert error.value.message_dict["owner"] == ["Choose who owns the action."]


def test_delete_removes_the_branch_and_names_what_went_with_it(world, plan):
    branch = make_cascade(plan, world.east_rep)
    objective = branch["objective"]
    services.delete(objective, by=world.east_rep, version=objective.version)
    assert not PlanGoal.objects.filter(objective__plan=plan).exists()
    assert not PlanAction.objects.filter(pk=branch["action"].pk).exists()
    change = ogsm_changes(plan)[-1]
    assert change.changes["with"] == {"goal": 1, "strategy": 1, "measure": 1, "action": 1}


def test_delete_with_a_stale_version_is_refused(world, plan):
    strategy = make_cascade(plan, world.east_rep)["strategy"]
    services.update(strategy, by=world.east_rep, version=strategy.version, text="Changed")
    with pytest.raises(ConflictError):
        services.delete(strategy, by=world.east_rep, version=strategy.version - 1)


@pytest.mark.parametrize("status", [PlanStatus.CLOSED, PlanStatus.SUBMITTED])
def test_a_closed_or_submitted_plan_refuses_changes(world, plan, status):
    branch = make_cascade(plan, world.east_rep)
    plan.status = status
    plan.save()
    objective = PlanObjective.objects.get(pk=branch["objective"].pk)
    with pytest.raises(RuleViolation):
        services.add_objective(plan, by=world.east_rep, text="Late")
    with pytest.raises(RuleViolation):
        services.update(objective, by=world.east_rep, version=objective.version, text="Late")
    with pytest.raises(RuleViolation):
        services.delete(objective, by=world.east_rep, version=objective.version)
    assert PlanObjective.objects.get(pk=objective.pk).text == "Become the preferred supplier"


def test_an_active_plan_is_adjusted(world, plan):
    plan.status = PlanStatus.ACTIVE
    plan.save()
    assert services.add_objective(plan, by=world.east_rep, text="Adjusted").pk


def test_someone_who_cannot_see_the_customer_cannot_edit(world, plan):
    with pytest.raises(PermissionDenied):
        services.add_objective(plan, by=world.west_rep, text="Not mine")


def test_mark_done_cancel_reopen(world, plan):
    action = make_cascade(plan, world.east_rep)["action"]
    services.set_action_status(action, by=world.east_rep, version=action.version, status=ActionStatus.DONE)
    assert action.done_at is not None
    services.set_action_status(action, by=world.east_rep, version=action.version, status=ActionStatus.OPEN)
    assert action.done_at is None
    services.set_action_status(
        action, by=world.east_rep, version=action.version, status=ActionStatus.CANCELLED
    )
    assert PlanAction.objects.get(pk=action.pk).status == ActionStatus.CANCELLED
    summaries = [c.summary for c in ogsm_changes(plan)[-3:]]
    assert [s.split("» ")[1] for s in summaries] == ["marked done", "reopened", "cancelled"]


def test_plan_as_activity_and_done_when_the_activity_is_done(world, plan):
    action = make_cascade(plan, world.east_rep, due=dt.date(2026, 6, 30))["action"]
    activity = services.plan_as_activity(action, by=world.east_rep, version=action.version)
    assert activity.status == ActivityStatus.PLANNED
    assert activity.kind.code == "visit"
    assert activity.customer == world.east_customer
    assert activity.start.date() == dt.date(2026, 6, 30)
    assert list(activity.our_people.all()) == [world.east_rep]
    action.refresh_from_db()
    assert action.activity == activity
    assert selectors.action_status(action) == ActionStatus.OPEN
    activity.status = ActivityStatus.DONE
    activity.save()
    action.refresh_from_db()
    assert selectors.action_status(action) == ActionStatus.DONE
    # Stored status untouched: done is read from the activity, not copied.
    assert action.status == ActionStatus.OPEN
    with pytest.raises(RuleViolation):
        services.plan_as_activity(action, by=world.east_rep, version=action.version)


def test_actions_are_not_moved(world, plan):
    action = make_cascade(plan, world.east_rep)["action"]
    with pytest.raises(RuleViolation):
        services.move(action, by=world.east_rep, version=action.version, position=1)


def test_goal_edit_with_unknown_field_refused(world, plan):
    goal = make_cascade(plan, world.east_rep)["goal"]
    with pytest.raises(ValidationError):
        services.update(goal, by=world.east_rep, version=goal.version, order=5)
    assert PlanGoal.objects.get(pk=goal.pk).metric == GoalMetric.MANUAL
