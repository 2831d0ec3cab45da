"""Pickers that search as you type (kam.access.pickers): the endpoints return only visible records,
the fields refuse an id outside the user's view, and the pages no longer grow with the customers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.access.pickers import PICK_LIMIT, VisibleCustomerField, VisibleUserField
from kam.customers.models import Customer
from kam.opportunities.forms import OpportunityCreateForm, PipelineFilterForm
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def pick(client, kind: str, q: str) -> list[dict]:
    response = client.get(reverse(f"pick_{kind}"), {"q": q})
    assert response.status_code == 200
    return response.json()["items"]


def test_customer_search_returns_only_visible_matches(client, world):
    client.force_login(world.east_rep)
    assert [i["id"] for i in pick(client, "customers", "steel")] == [world.east_customer.pk]
    assert pick(client, "customers", "West Power") == []
    assert pick(client, "customers", str(world.west_customer.pk)) == []
    client.force_login(world.director)
    assert [i["label"] for i in pick(client, "customers", "power")] == ["West Power"]


def test_customer_search_returns_at_most_the_limit(client, world):
    Customer.objects.bulk_create(Customer(name=f"Steel {i:03d}", owner=world.east_rep) for i in range(30))
    client.force_login(world.east_rep)
    assert len(pick(client, "customers", "steel")) == PICK_LIMIT


def test_user_search_returns_only_visible_people(client, world):
    client.force_login(world.east_mgr)
    found = {i["id"] for i in pick(client, "users", "rep")}
    assert found == {world.east_rep.pk, world.east_rep2.pk}
    client.force_login(world.east_rep)
    assert pick(client, "users", "west") == []


def test_the_search_needs_a_login(client, world):
    response = client.get(reverse("pick_customers"), {"q": "steel"})
    assert response.status_code == 302


def test_the_fields_refuse_an_invisible_id_and_take_a_visible_one(world):
    field = VisibleCustomerField(user=world.east_rep)
    assert field.clean(str(world.east_customer.pk)) == world.east_customer
    assert field.clean("East Steel") == world.east_customer  # an exact name, without JavaScript
    for value in (str(world.west_customer.pk), "West Power", "999999999"):
        with pytest.raises(Exception, match="Select one from the list"):
            field.clean(value)
    owner = VisibleUserField(user=world.east_rep, required=False)
    assert owner.clean(str(world.east_rep.pk)) == world.east_rep
    with pytest.raises(Exception, match="Select one from the list"):
        owner.clean(str(world.west_rep.pk))


def test_the_create_form_refuses_another_teams_customer(world):
    data = {"name": "X", "customer": str(world.west_customer.pk), "owner": str(world.east_rep.pk)}
    form = OpportunityCreateForm(data, user=world.east_rep)
    assert not form.is_valid()
    assert "customer" in form.errors


def test_the_filter_form_refuses_an_invisible_customer(world):
    form = PipelineFilterForm({"customer": str(world.west_customer.pk)}, user=world.east_rep)
    assert not form.is_valid()
    assert "customer" in form.errors


def measure(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.content), len(queries)


@pytest.mark.parametrize("url_name", ["opportunities:pipeline", "opportunities:create", "customers:create"])
def test_the_pages_do_not_grow_with_the_customers(client, world, url_name):
    client.force_login(world.director)
    url = reverse(url_name)
    size_before, queries_before = measure(client, url)
    Customer.objects.bulk_create(
        Customer(name=f"Bulk customer {i:04d}", owner=world.east_rep) for i in range(300)
    )
    CustomerFactory(owner=world.west_rep)
    size_after, queries_after = measure(client, url)
    assert queries_after == queries_before
    assert size_after == size_before
