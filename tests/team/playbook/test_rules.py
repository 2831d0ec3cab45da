"""Only certified reps own key-tier customers: checked whenever a customer is given an owner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kam.customers import services as customer_services
from kam.customers.models import Customer
from kam.customers.pool import services as pool_services
from kam.team.playbook.models import CertificationElement, CertificationRecord, CertificationRule
from tests.customers.test_views import edit_post
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _rule(on=True, tiers="A"):
    CertificationRule.objects.all().delete()
    return CertificationRule.objects.create(enforce_key_owner=on, key_tiers=tiers)


def _certify(user, by=None):
    for element in CertificationElement.objects.filter(is_active=True):
        CertificationRecord.objects.create(
            user=user, element=element, passed=True, certified_on=timezone.localdate(), certified_by=by
        )


def _key_customer(owner, tier="A"):
    customer = CustomerFactory(owner=owner)
    Customer.objects.filter(pk=customer.pk).update(tier=tier)
    customer.refresh_from_db()
    return customer


def test_the_seeded_rule_is_off():
    rule = CertificationRule.objects.get()
    assert rule.enforce_key_owner is False
    assert rule.tier_set == {"A"}


def test_uncertified_rep_is_refused_a_key_customer_on_hand_over(world):
    _rule()
    customer = _key_customer(world.east_rep)
    with pytest.raises(ValidationError) as error:
        customer_services.update_customer(
            customer, by=world.east_mgr, version=customer.version, owner=world.east_rep2
        )
    assert "not certified on the playbook" in error.value.message_dict["owner"][0]
    customer.refresh_from_db()
    assert customer.owner == world.east_rep


def test_the_refusal_reads_in_chinese(world):
    _rule()
    customer = _key_customer(world.east_rep)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        customer_services.update_customer(
            customer, by=world.east_mgr, version=customer.version, owner=world.east_rep2
        )
    assert "通关" in error.value.message_dict["owner"][0]


def test_certified_rep_is_accepted(world):
    _rule()
    _certify(world.east_rep2, by=world.east_mgr)
    customer = _key_customer(world.east_rep)
    customer_services.update_customer(
        customer, by=world.east_mgr, version=customer.version, owner=world.east_rep2
    )
    customer.refresh_from_db()
    assert customer.owner == world.east_rep2


def test_rule_off_accepts_anyone(world):
    _rule(on=False)
    customer = _key_customer(world.east_rep)
    customer_services.update_customer(
        customer, by=world.east_mgr, version=customer.version, owner=world.east_rep2
    )
    customer.refresh_from_db()
    assert customer.owner == world.east_rep2


def test_tiers_outside_the_key_tiers_are_not_checked(world):
    _rule(tiers="A")
    customer = _key_customer(world.east_rep, tier="B")
    customer_services.update_customer(
        customer, by=world.east_mgr, version=customer.version, owner=world.east_rep2
    )
    customer.refresh_from_db()
    assert customer.owner == world.east_rep2
    _rule(tiers="AB")
    with pytest.raises(ValidationError):
        customer_services.update_customer(
            customer, by=world.east_mgr, version=customer.version, owner=world.east_rep
        )


def test_an_expired_certificate_no_longer_counts(world):
    _rule()
    for element in CertificationElement.objects.filter(is_active=True):
        CertificationRecord.objects.create(
            user=world.east_rep2,
            element=element,
            passed=True,
            certified_on=timezone.localdate() - dt.timedelta(days=400),
            valid_until=timezone.localdate() - dt.timedelta(days=35),
        )
    customer = _key_customer(world.east_rep)
    with pytest.raises(ValidationError):
        customer_services.update_customer(
            customer, by=world.east_mgr, version=customer.version, owner=world.east_rep2
        )


def test_claiming_a_key_customer_from_the_pool_is_checked(world):
    _rule()
    customer = _key_customer(world.west_rep)
    Customer.objects.filter(pk=customer.pk).update(in_pool=True)
    customer.refresh_from_db()
    with pytest.raises(ValidationError):
        pool_services.claim_customer(customer, by=world.east_rep2, confirm_duplicates=True)
    customer.refresh_from_db()
    assert customer.in_pool
    _certify(world.east_rep2)
    pool_services.claim_customer(customer, by=world.east_rep2, confirm_duplicates=True)
    customer.refresh_from_db()
    assert customer.owner == world.east_rep2


def test_the_customer_form_shows_the_refusal_on_the_owner_field(world, client):
    _rule()
    customer = _key_customer(world.east_rep)
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("customers:edit", args=[customer.pk]), edit_post(customer, owner=world.east_rep2.pk)
    )
    assert response.status_code == 400
    assert "not certified on the playbook" in " ".join(response.context["form"].errors.get("owner", []))
    customer.refresh_from_db()
    assert customer.owner == world.east_rep
