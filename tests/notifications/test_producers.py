"""Each producer finds what is due and leaves what is not due yet; each reminder names its
recipient and links to its record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.activities.models import Activity, ActivityKind
from kam.customers.models import Customer
from kam.delivery.models import ServiceRequest
from kam.insights.models import HealthRule, StoredFlag
from kam.notifications import producers
from kam.notifications.models import NotificationKind
from kam.notifications.producers import Clock
from kam.opportunities.models import Opportunity
from kam.planning.approvals import services as approvals
from tests.delivery.payments.helpers import add, make_contract
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 12, 5, 9, 0))
CLOCK = Clock.at(NOW)
TODAY = CLOCK.today


def _for(reminders, record_id):
    return [r for r in reminders if r.record_id == record_id]


def test_approvals_waiting_go_to_the_current_steps_approver_until_decided(world):
    request = approvals.submit(world.east_opp, flow_code="initiation", by=world.east_rep)

    found = producers.approvals_waiting(CLOCK)
    assert [(r.recipient_id, r.record_id) for r in found] == [(world.east_mgr.pk, request.pk)]
    assert found[0].url == f"/planning/approvals/{request.pk}/"
    assert found[0].kind == NotificationKind.APPROVAL_WAITING

    approvals.decide(request, by=world.east_mgr, approve=True)
    after = producers.approvals_waiting(CLOCK)
    # The next step's approver now; a new key, so it is a new reminder.
    assert [r.recipient_id for r in after] == [world.director.pk]
    assert after[0].dedupe_key != found[0].dedupe_key


def test_flags_on_open_deals_go_to_the_owner_but_not_the_no_update_flag(world):
    rule = HealthRule.objects.get(code="sign_date_passed")
    stale_rule = HealthRule.objects.get(code="no_update")
    StoredFlag.objects.create(
        opportunity=world.east_opp, rule=rule, severity="warn", rank=1, facts={}, raised_at=NOW
    )
    StoredFlag.objects.create(
        opportunity=world.west_opp, rule=stale_rule, severity="warn", rank=1, facts={}, raised_at=NOW
    )

    found = producers.deals_flagged(CLOCK)
    assert [(r.recipient_id, r.record_id) for r in found] == [(world.east_rep.pk, world.east_opp.pk)]
    assert found[0].params["rule"] == rule.name and found[0].params["rule_en"] == rule.name_en
    assert found[0].url == f"/opportunities/{world.east_opp.pk}/"

    Opportunity.objects.filter(pk=world.east_opp.pk).update(status="lost")
    assert producers.deals_flagged(CLOCK) == []


def test_sign_dates_within_the_window_are_near_and_later_ones_not_yet(world):
    Opportunity.objects.filter(pk=world.east_opp.pk).update(sign_date=TODAY + dt.timedelta(days=14))
    Opportunity.objects.filter(pk=world.west_opp.pk).update(sign_date=TODAY + dt.timedelta(days=15))
    Opportunity.objects.filter(pk=world.east_opp2.pk).update(sign_date=TODAY - dt.timedelta(days=1))

    found = producers.sign_dates_near(CLOCK)
    assert [r.record_id for r in found] == [world.east_opp.pk]
    assert found[0].params["days"] == 14
    assert found[0].recipient_id == world.east_rep.pk


def test_stale_deals_use_the_health_rules_days(world):
    rule = HealthRule.objects.get(code="no_update")
    rule.thresholds = {"default_days": 30, "days_by_stage": {"P0": 10}}
    rule.save()
    # east_opp is at P0: 11 days is stale there; west_opp moved to P1 (default 30 days): not yet.
    Opportunity.objects.filter(pk=world.east_opp.pk).update(last_touch_at=NOW - dt.timedelta(days=11))
    west_stage = world.west_opp.stage.process.stages.get(code="P1")
    Opportunity.objects.filter(pk=world.west_opp.pk).update(
        stage=west_stage, last_touch_at=NOW - dt.timedelta(days=11)
    )
    Opportunity.objects.filter(pk=world.east_opp2.pk).update(last_touch_at=NOW - dt.timedelta(days=2))

    found = producers.deals_stale(CLOCK)
    assert [r.record_id for r in found] == [world.east_opp.pk]
    assert found[0].params["days"] == 11

    rule.active = False
    rule.save()
    assert producers.deals_stale(CLOCK) == []


def test_next_steps_due_by_tomorrow_and_not_later(world):
    kind = ActivityKind.objects.get(code="visit")

    def activity(due, step="Send the quote"):
        return Activity.objects.create(
            kind=kind,
            owner=world.east_rep,
            customer=world.east_customer,
            opportunity=world.east_opp,
            start=NOW - dt.timedelta(days=3),
            summary="Visit",
            next_step=step,
            next_step_due=due,
        )

    due = activity(TODAY + dt.timedelta(days=1))
    later = activity(TODAY + dt.timedelta(days=2))
    no_step = activity(TODAY, step="")

    found = producers.next_steps_due(CLOCK)
    assert [r.record_id for r in found] == [due.pk]
    assert found[0].params["about"] == world.east_opp.name
    assert found[0].url == f"/activities/{due.pk}/"
    assert later.pk not in {r.record_id for r in found} and no_step.pk not in {r.record_id for r in found}


def test_payments_due_soon_and_overdue(world):
    contract = make_contract(world.east_customer, world.east_rep)
    soon = add(contract, world.east_rep, "100", TODAY + dt.timedelta(days=7), "Advance")
    later = add(contract, world.east_rep, "100", TODAY + dt.timedelta(days=8), "Delivery")
    late = add(contract, world.east_rep, "100", TODAY - dt.timedelta(days=1), "Deposit")

    due = producers.payments_due(CLOCK)
    overdue = producers.payments_overdue(CLOCK)
    assert [r.params["instalment"] for r in due] == ["Advance"]
    assert [r.params["instalment"] for r in overdue] == ["Deposit"]
    assert due[0].recipient_id == world.east_rep.pk
    assert due[0].url == f"/delivery/contracts/{contract.pk}/payments/"
    assert {r.dedupe_key for r in due}.isdisjoint({r.dedupe_key for r in overdue})
    assert later.pk and soon.pk and late.pk

    # Paid in full: no longer overdue.
    type(late).objects.filter(pk=late.pk).update(received=Decimal("100"), paid_on=TODAY)
    assert producers.payments_overdue(CLOCK) == []


def test_visits_due_by_policy_for_a_customer_not_visited(world):
    neglected = CustomerFactory(owner=world.west_rep, name="Quiet Works")
    Customer.objects.filter(pk=neglected.pk).update(tier="A")
    visited = CustomerFactory(owner=world.west_rep, name="Busy Works")
    Customer.objects.filter(pk=visited.pk).update(tier="A")
    kind = ActivityKind.objects.get(code="visit")
    assert kind.counts_as_visit
    for day in range(4):  # tier A asks four visits a month
        Activity.objects.create(
            kind=kind,
            owner=world.west_rep,
            customer=visited,
            start=NOW - dt.timedelta(days=day + 1),
            summary="Visit",
            status="done",
        )

    found = producers.visits_due(CLOCK)
    ids = {r.record_id for r in found}
    assert neglected.pk in ids and visited.pk not in ids
    reminder = _for(found, neglected.pk)[0]
    assert reminder.recipient_id == world.west_rep.pk
    assert reminder.params == {"customer": "Quiet Works", "required": 4, "done": 0}
    assert reminder.dedupe_key == f"visit:{neglected.pk}:2026-12"


def test_plan_reviews_due_within_the_reminder_window(world, make_plan):
    due = make_plan(world.east_customer, segment="key", next_due=TODAY + dt.timedelta(days=3))
    not_yet = make_plan(world.west_customer, segment="key", next_due=TODAY + dt.timedelta(days=60))

    found = producers.plan_reviews_due(CLOCK)
    assert [r.record_id for r in found] == [due.pk]
    assert found[0].recipient_id == world.east_rep.pk
    assert not_yet.pk not in {r.record_id for r in found}


def test_sla_breaches_go_to_the_owner_and_the_escalation_manager(world, open_request):
    late = open_request(world.east_customer)
    on_time = open_request(world.west_customer)
    ServiceRequest.objects.filter(pk=late.pk).update(
        response_due_at=NOW - dt.timedelta(hours=1), escalated_to=world.east_mgr
    )
    ServiceRequest.objects.filter(pk=on_time.pk).update(
        response_due_at=NOW + dt.timedelta(hours=1), resolution_due_at=NOW + dt.timedelta(days=1)
    )

    found = producers.sla_breaches(CLOCK)
    assert {(r.recipient_id, r.record_id) for r in found} == {
        (world.east_rep.pk, late.pk),
        (world.east_mgr.pk, late.pk),
    }
    assert found[0].url == f"/delivery/service/{late.pk}/"


def test_each_producer_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for opp in (world.east_opp, world.west_opp, world.east_opp2):
        Opportunity.objects.filter(pk=opp.pk).update(
            sign_date=TODAY + dt.timedelta(days=3), last_touch_at=NOW - dt.timedelta(days=90)
        )
    for produce in producers.PRODUCERS.values():
        with django_assert_max_num_queries(3):
            produce(CLOCK)
