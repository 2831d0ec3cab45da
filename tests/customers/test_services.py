from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kam.core.errors import ConflictError
from kam.customers import services
from kam.customers.models import Customer, CustomerChange, Tier
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_customer_saves_it_with_a_created_history_row():
    rep = UserFactory()
    customer = services.create_customer(
        by=rep, name="  Huaxin Cement  ", industry="Building materials", category_purchases=Decimal("5000000")
    )
    customer.refresh_from_db()
    assert customer.name == "Huaxin Cement"
    assert customer.owner == rep
    assert customer.category_purchases == Decimal("5000000")
    # Scored at once: no deals and no judged criteria yet, so the lowest tier with its breakdown.
    assert (customer.score, customer.tier, customer.computed_tier) == (Decimal("2.00"), Tier.D, Tier.D)
    change = CustomerChange.objects.get(customer=customer)
    assert change.changed_by == rep


def test_create_customer_without_a_name_saves_nothing():
    rep = UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.create_customer(by=rep, name="   ")
    assert "name" in caught.value.message_dict
    assert not Customer.objects.exists()
    assert not CustomerChange.objects.exists()


def test_update_customer_bumps_the_version_and_records_what_changed():
    customer = CustomerFactory(name="Old name", region="East")
    editor = UserFactory()
    services.update_customer(customer, by=editor, version=1, name="New name", region="East")
    customer.refresh_from_db()
    assert customer.name == "New name"
    assert customer.version == 2
    change = CustomerChange.objects.get(customer=customer)
    assert change.changed_by == editor
    assert "New name" in change.summary
    assert "East" not in change.summary  # an unchanged field is not reported as a change


def test_update_customer_with_a_stale_version_raises_conflict_and_saves_nothing():
    customer = CustomerFactory(name="Original")
    editor = UserFactory()
    services.update_customer(customer, by=editor, version=1, region="Hubei")
    stale = Customer.objects.get(pk=customer.pk)
    stale.version = 1  # a form read before the edit above
    with pytest.raises(ConflictError) as caught:
        services.update_customer(stale, by=editor, version=1, name="Overwrite")
    assert caught.value.current_version == 2
    customer.refresh_from_db()
    assert customer.name == "Original"
    assert customer.version == 2
    assert CustomerChange.objects.filter(customer=customer).count() == 1


def test_update_customer_refuses_a_parent_cycle_and_saves_nothing():
    group = CustomerFactory(name="Group")
    subsidiary = CustomerFactory(name="Subsidiary", parent=group)
    grandchild = CustomerFactory(name="Plant", parent=subsidiary)
    with pytest.raises(ValidationError) as caught:
        services.update_customer(group, by=group.owner, version=1, parent=grandchild)
    assert "parent" in caught.value.message_dict
    group.refresh_from_db()
    assert group.parent_id is None
    assert group.version == 1
    assert not CustomerChange.objects.filter(customer=group).exists()


def test_update_customer_refuses_itself_as_parent():
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        services.update_customer(customer, by=customer.owner, version=1, parent=customer)
    customer.refresh_from_db()
    assert customer.parent_id is None


def test_only_the_owner_or_a_manager_hands_a_customer_over(world):
    from django.core.exceptions import ValidationError

    from kam.customers import services as customer_services

    customer = world.east_customer  # owned by east_rep
    with pytest.raises(ValidationError) as refused:
        customer_services.update_customer(
            customer, by=world.east_rep2, version=customer.version, owner=world.east_rep2
        )
    assert "owner" in refused.value.message_dict
    customer.refresh_from_db()
    assert customer.owner == world.east_rep and customer.version == 1
    customer_services.update_customer(customer, by=world.east_rep, version=1, owner=world.east_rep2)
    customer_services.update_customer(customer, by=world.east_mgr, version=2, owner=world.east_rep)
    customer.refresh_from_db()
    assert customer.owner == world.east_rep and customer.version == 3
