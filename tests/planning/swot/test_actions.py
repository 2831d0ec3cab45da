"""A TOWS strategy becomes an action: a planned activity led by its owner on the due day, on the
deal, linked back to the strategy and shown with its state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kam.activities.models import Activity, ActivityKind, ActivityStatus, PlanPeriod
from kam.activities.plans.services import create_plan
from kam.activities.services import update_activity
from kam.core.errors import RuleViolation
from kam.planning.swot import services
from kam.planning.swot.models import SwotChange, TowsStrategy
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy(world):
    s = services.add_item(world.east_opp, by=world.east_rep, kind="W", text="No local stock")
    t = services.add_item(world.east_opp, by=world.east_rep, kind="T", text="Rival promises 48-hour delivery")
    return services.add_strategy(
        world.east_opp, by=world.east_rep, kind="WT", text="Offer a consignment stock on site", items=[s, t]
    )


def test_a_strategy_becomes_a_planned_activity_of_its_owner(world, strategy):
    due = timezone.localdate() + dt.timedelta(days=7)
    meeting = ActivityKind.objects.get(code="meeting")
    activity = services.plan_action(
        strategy, by=world.east_mgr, version=strategy.version, owner=world.east_rep, due=due, kind=meeting
    )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED
    assert activity.owner == world.east_rep and activity.kind == meeting
    assert activity.opportunity == world.east_opp and activity.customer == world.east_customer
    assert timezone.localtime(activity.start).date() == due
    assert "Offer a consignment stock on site" in activity.summary
    strategy = TowsStrategy.objects.get(pk=strategy.pk)
    assert strategy.activity == activity and strategy.version == 2
    change = SwotChange.objects.get(action="action_created")
    assert change.changed_by == world.east_mgr and change.changes["activity"] == activity.pk


def test_the_page_shows_the_actions_state_planned_then_done(client, world, strategy):
    due = timezone.localdate() + dt.timedelta(days=1)
    activity = services.plan_action(
        strategy,
        by=world.east_rep,
        version=strategy.version,
        owner=world.east_rep,
        due=due,
        kind=ActivityKind.objects.get(code="visit"),
    )
    assert client.login(username="east_rep", password=PASSWORD)
    url = reverse("planning_swot:opportunity", args=[world.east_opp.pk])
    assert 'badge action-planned">Planned<' in client.get(url).content.decode()
    update_activity(
        activity,
        by=world.east_rep,
        version=activity.version,
        status=ActivityStatus.DONE,
        start=timezone.now(),
    )
    assert 'badge action-done">Done<' in client.get(url).content.decode()


def test_an_owner_who_cannot_see_the_deal_is_refused(world, strategy):
    with pytest.raises(ValidationError) as refused:
        services.plan_action(
            strategy,
            by=world.east_rep,
            version=strategy.version,
            owner=world.west_rep,
            due=timezone.localdate(),
            kind=ActivityKind.objects.get(code="visit"),
        )
    assert "cannot see this opportunity" in refused.value.message_dict["owner"][0]
    assert not Activity.objects.exists()


def test_a_past_due_date_is_refused_and_a_second_action_too(world, strategy):
    visit = ActivityKind.objects.get(code="visit")
    with pytest.raises(ValidationError) as refused:
        services.plan_action(
            strategy,
            by=world.east_rep,
            version=strategy.version,
            owner=world.east_rep,
            due=timezone.localdate() - dt.timedelta(days=1),
            kind=visit,
        )
    assert "due" in refused.value.message_dict
    services.plan_action(
        strategy,
        by=world.east_rep,
        version=strategy.version,
        owner=world.east_rep,
        due=timezone.localdate(),
        kind=visit,
    )
    with pytest.raises(RuleViolation):
        services.plan_action(
            strategy,
            by=world.east_rep,
            version=strategy.version,
            owner=world.east_rep,
            due=timezone.localdate(),
            kind=visit,
        )
    assert Activity.objects.count() == 1


def test_the_action_form_on_the_page(client, world, strategy):
    assert client.login(username="east_rep", password=PASSWORD)
    page = reverse("planning_swot:opportunity", args=[world.east_opp.pk])
    form = client.get(page, {"action": strategy.pk}).content.decode()
    assert 'name="owner"' in form and 'name="due"' in form
    due = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        reverse("planning_swot:plan_action", args=[strategy.pk]),
        {
            "owner": world.east_rep.pk,
            "due": due.isoformat(),
            "kind": ActivityKind.objects.get(code="meeting").pk,
            "version": strategy.version,
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert f"Action planned for {world.east_rep} on {due.isoformat()}." in body
    assert TowsStrategy.objects.get(pk=strategy.pk).activity.status == ActivityStatus.PLANNED


def test_the_action_lands_in_the_owners_plan_of_that_week(world, strategy):
    due = timezone.localdate() + dt.timedelta(days=7)
    monday = due - dt.timedelta(days=due.weekday())
    plan = create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=monday)
    activity = services.plan_action(
        strategy,
        by=world.east_rep,
        version=strategy.version,
        owner=world.east_rep,
        due=due,
        kind=ActivityKind.objects.get(code="visit"),
    )
    assert activity.plan == plan
