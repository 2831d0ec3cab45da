"""The daily pass: warning window, return after N idle days (N not yet, N+1 yes), what counts as
the owner's activity, key customers through a manager's approval, and the history of each move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.activities.models import ActivityStatus
from kam.customers.models import (
    Customer,
    CustomerChange,
    PoolReturnRequest,
    PoolRule,
    ReturnStatus,
    Segment,
    Tier,
)
from kam.customers.pool import selectors, services
from tests.customers.pool.conftest import days_ago, held_since, today

pytestmark = pytest.mark.django_db

# The seeded rules: general 30 days (7 of warning), key 90 days (14 of warning) with approval.
GENERAL_DAYS, GENERAL_WARNING = 30, 7
KEY_DAYS = 90


def history(customer: Customer) -> list[str]:
    return list(
        CustomerChange.objects.filter(customer=customer).order_by("id").values_list("summary_en", flat=True)
    )


def make_key(customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(tier=Tier.A, segment=Segment.KEY)


def test_the_seeded_rules_are_data(db):
    general = PoolRule.objects.get(segment=Segment.GENERAL)
    assert (general.days, general.warning_days, general.needs_approval) == (
        GENERAL_DAYS,
        GENERAL_WARNING,
        False,
    )
    assert PoolRule.objects.get(segment=Segment.KEY).needs_approval is True


def test_exactly_n_idle_days_is_not_yet_a_return_and_n_plus_one_is(world, log):
    customer = world.east_customer
    held_since(customer, days_ago(200))
    log(world.east_rep, customer, days_ago(GENERAL_DAYS))

    services.run_pass(today())
    customer.refresh_from_db()
    assert not customer.in_pool
    assert customer.pool_due_on == today() + dt.timedelta(days=1)

    result = services.run_pass(today() + dt.timedelta(days=1))
    customer.refresh_from_db()
    assert result.returned == [customer.pk]
    assert customer.in_pool and customer.pooled_at is not None
    # The last owner stays on the row (an owner is required) and is named as the previous one.
    assert customer.owner == world.east_rep and customer.previous_owner == world.east_rep
    assert customer.pool_due_on is None
    assert (
        history(customer)[-1]
        == f"Returned to the public pool: no activity by its owner for {GENERAL_DAYS + 1} days"
    )


def test_the_warning_starts_warning_days_before_the_return(world, log):
    customer = world.east_customer
    held_since(customer, days_ago(200))
    # Returns on today + 8: the warning window opens on today + 1.
    log(world.east_rep, customer, days_ago(GENERAL_DAYS - GENERAL_WARNING))

    assert services.run_pass(today()).warned == []
    customer.refresh_from_db()
    assert customer.pool_due_on is None

    tomorrow = today() + dt.timedelta(days=1)
    assert services.run_pass(tomorrow).warned == [customer.pk]
    customer.refresh_from_db()
    assert customer.pool_due_on == today() + dt.timedelta(days=GENERAL_WARNING + 1)
    # One history line per warning, however often the pass runs.
    services.run_pass(tomorrow)
    warnings = [line for line in history(customer) if line.startswith("Warned")]
    assert warnings == [
        f"Warned: returns to the public pool on {customer.pool_due_on.isoformat()} unless its owner logs an activity with it"
    ]
    rows = selectors.about_to_return(world.east_rep, tomorrow)
    assert [(r.customer.pk, r.days_left, r.awaiting_approval) for r in rows] == [
        (customer.pk, GENERAL_WARNING, False)
    ]
    assert selectors.about_to_return(world.east_rep2, tomorrow) == []


def test_an_activity_by_the_owner_takes_the_customer_off_the_list_at_once_and_the_pass_clears_it(world, log):
    customer = world.east_customer
    held_since(customer, days_ago(200))
    log(world.east_rep, customer, days_ago(GENERAL_DAYS - 2))
    services.run_pass(today())
    assert [r.customer.pk for r in selectors.about_to_return(world.east_rep)] == [customer.pk]

    log(world.east_rep, customer, today())
    assert selectors.about_to_return(world.east_rep) == []
    assert services.run_pass(today()).cleared == [customer.pk]
    customer.refresh_from_db()
    assert customer.pool_due_on is None


def test_only_done_activities_involving_the_owner_count(world, log):
    customer = world.east_customer
    held_since(customer, days_ago(200))
    log(world.east_rep, customer, days_ago(GENERAL_DAYS + 5))
    # A colleague's visit without the owner, and the owner's planned visit, do not hold the customer.
    customer.owner = world.east_rep
    log(world.east_mgr, customer, days_ago(3))
    log(world.east_rep, customer, today() + dt.timedelta(days=2), status=ActivityStatus.PLANNED)
    assert services.run_pass(today()).returned == [customer.pk]


def test_an_activity_the_owner_took_part_in_counts(world, log):
    customer = world.east_customer
    held_since(customer, days_ago(200))
    log(world.east_mgr, customer, days_ago(3), our_people=[world.east_rep])
    result = services.run_pass(today())
    assert customer.pk not in result.returned + result.warned


def test_the_clock_starts_when_the_owner_took_the_customer(world):
    customer = world.east_customer
    held_since(customer, days_ago(GENERAL_DAYS))
    assert services.run_pass(today()).returned == []
    held_since(customer, days_ago(GENERAL_DAYS + 1))
    assert services.run_pass(today()).returned == [customer.pk]


def test_a_tier_rule_wins_over_the_segment_rule(world):
    customer = world.east_customer  # tier D, general
    held_since(customer, days_ago(GENERAL_DAYS + 1))
    PoolRule.objects.create(tier=Tier.D, days=60, warning_days=5)
    assert services.run_pass(today()).returned == []


def test_a_key_customer_returns_only_with_a_managers_approval(world):
    customer = world.east_customer
    make_key(customer)
    held_since(customer, days_ago(KEY_DAYS + 1))

    result = services.run_pass(today())
    assert result.returned == [] and result.requested == [customer.pk]
    customer.refresh_from_db()
    assert not customer.in_pool
    request = PoolReturnRequest.objects.get(customer=customer)
    assert (request.status, request.owner, request.idle_days) == (
        ReturnStatus.PENDING,
        world.east_rep,
        KEY_DAYS + 1,
    )
    assert history(customer)[-1].startswith("Return to the public pool requested")
    # Asked once, however often the pass runs; the owner sees it waiting.
    assert services.run_pass(today()).requested == []
    assert [r.awaiting_approval for r in selectors.about_to_return(world.east_rep)] == [True]
    assert list(selectors.pending_requests(world.east_mgr)) == [request]
    assert list(selectors.pending_requests(world.west_mgr)) == []
    assert list(selectors.pending_requests(world.east_rep)) == []

    with pytest.raises(PermissionDenied):
        services.approve_return(customer, by=world.east_rep)
    with pytest.raises(PermissionDenied):
        services.approve_return(customer, by=world.west_mgr)
    services.approve_return(customer, by=world.east_mgr, note="No one works it")
    customer.refresh_from_db()
    request.refresh_from_db()
    assert customer.in_pool and customer.previous_owner == world.east_rep
    assert (request.status, request.decided_by) == (ReturnStatus.APPROVED, world.east_mgr)
    assert history(customer)[-1] == "Return to the public pool approved: No one works it"


def test_a_rejected_return_keeps_the_customer_and_restarts_the_clock(world):
    customer = world.east_customer
    make_key(customer)
    held_since(customer, days_ago(KEY_DAYS + 1))
    services.run_pass(today())
    services.reject_return(customer, by=world.director)
    customer.refresh_from_db()
    assert not customer.in_pool and customer.pool_due_on is None
    assert PoolReturnRequest.objects.get(customer=customer).status == ReturnStatus.REJECTED
    assert history(customer)[-1] == "Return to the public pool rejected: the owner keeps the customer"
    result = services.run_pass(today())
    assert result.requested == [] and result.warned == []
    with pytest.raises(ValidationError):
        services.reject_return(customer, by=world.director)


def test_a_request_is_withdrawn_when_the_owner_is_active_again(world, log):
    customer = world.east_customer
    make_key(customer)
    held_since(customer, days_ago(KEY_DAYS + 10))
    services.run_pass(today())
    log(world.east_rep, customer, today())
    assert services.run_pass(today()).withdrawn == [customer.pk]
    assert PoolReturnRequest.objects.get(customer=customer).status == ReturnStatus.WITHDRAWN
    assert history(customer)[-1] == "Return to the public pool withdrawn: its owner was active again"


def test_history_lines_are_written_in_both_languages(world):
    customer = world.east_customer
    held_since(customer, days_ago(GENERAL_DAYS + 1))
    services.run_pass(today())
    line = CustomerChange.objects.filter(customer=customer).latest("id")
    assert line.summary_en.startswith("Returned to the public pool")
    assert "公海" in line.summary


def test_the_pass_reads_a_fixed_number_of_statements_whatever_the_number_of_idle_customers(
    world, django_assert_max_num_queries
):
    from tests.factories import CustomerFactory

    for customer in [CustomerFactory(owner=world.east_rep) for _ in range(12)]:
        held_since(customer, days_ago(GENERAL_DAYS - 1))  # all in the warning window
    # rules, one read per rule, then the writes: a warning update per return day and one insert.
    with django_assert_max_num_queries(14):
        result = services.run_pass(today())
    assert len(result.warned) == 12
