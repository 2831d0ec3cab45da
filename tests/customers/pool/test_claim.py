"""Claiming from the pool: the limit, a claim someone else made first, duplicates to confirm, the
history line, and who sees a pooled customer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kam.access.visibility import contacts_for, customers_for
from kam.customers.models import Customer, CustomerChange, PoolSettings
from kam.customers.pool import selectors, services
from kam.customers.pool.duplicates import DuplicatesFound
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def pooled(customer: Customer) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(
        in_pool=True, pooled_at=timezone.now(), previous_owner=customer.owner
    )
    customer.refresh_from_db()
    return customer


def set_limit(limit: int, window_days: int = 90) -> None:
    PoolSettings.objects.update_or_create(
        pk=1, defaults={"claim_limit": limit, "claim_window_days": window_days}
    )


def test_a_rep_claims_a_pooled_customer_and_it_is_in_its_history(world):
    customer = pooled(world.west_customer)
    services.claim_customer(customer, by=world.east_rep)
    customer.refresh_from_db()
    assert (customer.in_pool, customer.owner, customer.previous_owner) == (
        False,
        world.east_rep,
        world.west_rep,
    )
    assert customer.claimed_at is not None and customer.kept_since == customer.claimed_at
    line = CustomerChange.objects.filter(customer=customer).latest("id")
    assert (line.changed_by, line.summary_en) == (
        world.east_rep,
        f"Claimed from the public pool by {world.east_rep}",
    )


def test_the_claim_limit_counts_customers_claimed_within_the_window_and_still_owned(world):
    set_limit(2, window_days=30)
    first, second, third = (pooled(CustomerFactory(owner=world.west_rep)) for _ in range(3))
    services.claim_customer(first, by=world.east_rep)
    services.claim_customer(second, by=world.east_rep)
    assert selectors.allowance(world.east_rep).left == 0
    with pytest.raises(ValidationError, match="You have claimed 2 customers within 30 days"):
        services.claim_customer(third, by=world.east_rep)
    assert Customer.objects.get(pk=third.pk).in_pool

    # A claim older than the window no longer counts; neither does one handed to someone else.
    Customer.objects.filter(pk=first.pk).update(claimed_at=timezone.now() - dt.timedelta(days=31))
    assert selectors.allowance(world.east_rep).used == 1
    services.claim_customer(third, by=world.east_rep)
    assert Customer.objects.get(pk=third.pk).owner == world.east_rep


def test_a_claim_someone_made_first_is_refused(world):
    customer = pooled(world.west_customer)
    stale = Customer.objects.get(pk=customer.pk)
    services.claim_customer(customer, by=world.east_rep)
    with pytest.raises(ValidationError, match="Someone else claimed this customer first"):
        services.claim_customer(stale, by=world.east_rep2)
    assert Customer.objects.get(pk=customer.pk).owner == world.east_rep


def test_a_claim_with_possible_duplicates_needs_confirming(world):
    customer = pooled(CustomerFactory(owner=world.west_rep, name="华为技术有限公司"))
    CustomerFactory(owner=world.west_mgr, name="华为技术")
    with pytest.raises(DuplicatesFound) as caught:
        services.claim_customer(customer, by=world.east_rep)
    assert [m.customer.name for m in caught.value.matches] == ["华为技术"]
    assert Customer.objects.get(pk=customer.pk).in_pool
    services.claim_customer(customer, by=world.east_rep, confirm_duplicates=True)
    assert Customer.objects.get(pk=customer.pk).owner == world.east_rep


def test_every_rep_sees_a_pooled_customer_and_its_contacts(world):
    contact = ContactFactory(customer=world.west_customer)
    assert world.west_customer not in customers_for(world.east_rep)
    pooled(world.west_customer)
    assert world.west_customer in customers_for(world.east_rep)
    assert contact in contacts_for(world.east_rep)
    # Claimed: it is the claimant's; the rest of the reps see it no more.
    services.claim_customer(world.west_customer, by=world.east_rep)
    assert world.west_customer not in customers_for(world.east_rep2)
    # The previous owner still sees it through the deal they own there.
    assert world.west_customer in customers_for(world.west_rep)


def test_the_previous_owner_keeps_seeing_it_only_through_their_own_deals(world):
    lone = CustomerFactory(owner=world.west_rep)
    pooled(lone)
    services.claim_customer(lone, by=world.east_rep)
    assert lone not in customers_for(world.west_rep)


def test_a_claim_is_in_the_audit_trail(world):
    from auditlog.models import LogEntry

    customer = pooled(world.west_customer)
    services.claim_customer(customer, by=world.east_rep)
    entry = LogEntry.objects.get_for_object(customer).latest("timestamp")
    assert entry.actor == world.east_rep
    assert set(entry.changes_dict) >= {"owner", "in_pool"}
