"""A deactivated director or administrator sees nothing: their role would let them see every record,
but an account switched off (is_active=False) must not, whether a list or a route by id asks."""

from __future__ import annotations

import pytest
from django.http import Http404

from kam.access import visibility
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.relationships.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["director", "admin"])
def switched_off(request, world):
    user = getattr(world, request.param)
    assert user.sees_everything
    contact = ContactFactory(customer=world.east_customer)
    # While active, everything is visible: the empty answers below come from is_active alone.
    assert visibility.contacts_for(user).filter(pk=contact.pk).exists()
    assert visibility.customers_for(user).count() == Customer.objects.count()
    assert visibility.opportunities_for(user).count() == Opportunity.objects.count() == 3
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user, contact


def test_lists_are_empty_for_a_deactivated_see_everything_user(world, switched_off):
    user, _contact = switched_off
    assert Contact.objects.exists() and Customer.objects.exists() and Opportunity.objects.exists()
    assert list(visibility.contacts_for(user)) == []
    assert list(visibility.customers_for(user)) == []
    assert list(visibility.opportunities_for(user)) == []
    assert list(visibility.targets_for(user)) == []
    # Also over a queryset the caller narrowed first.
    assert list(visibility.contacts_for(user, Contact.objects.filter(customer=world.east_customer))) == []


def test_routes_by_id_answer_404_for_a_deactivated_see_everything_user(world, switched_off):
    user, contact = switched_off
    with pytest.raises(Http404):
        visibility.get_visible_contact(user, contact.pk)
    with pytest.raises(Http404):
        visibility.get_visible_customer(user, world.east_customer.pk)
    with pytest.raises(Http404):
        visibility.get_visible_opportunity(user, world.east_opp.pk)
