"""The customer form picks its owner by typing (kam.access.pickers): the page lists no person, a
visible id is taken and anything else refused on the field."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kam.customers.models import Customer
from kam.org.models import User
from tests.customers.test_views import customer_post

pytestmark = pytest.mark.django_db

REFUSED = "Select one from the list (type to search)."


def measure(client, url: str) -> tuple[int, int]:
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    return len(body), len(re.findall(r"<option\b", body))


@pytest.mark.parametrize("editing", [False, True])
def test_the_form_does_not_grow_with_the_people(client, world, editing):
    url = reverse("customers:edit", args=[world.east_customer.pk]) if editing else reverse("customers:create")
    client.force_login(world.director)
    before = measure(client, url)
    User.objects.bulk_create(
        User(username=f"bulk_user_{i:04d}", name=f"Bulk person {i:04d}") for i in range(300)
    )
    assert measure(client, url) == before


def test_the_owner_is_named_beside_its_id(client, world):
    client.force_login(world.east_rep)
    page = client.get(reverse("customers:edit", args=[world.east_customer.pk])).content.decode()
    owner_input = re.search(r'<input[^>]*name="owner"[^>]*>', page).group(0)
    assert f'value="{world.east_rep.pk}"' in owner_input and 'data-picker="/pick/users/"' in owner_input
    assert (
        f'id="id_owner_chosen" for="id_owner" data-picker-for="{world.east_rep.pk}">{world.east_rep}</output>'
        in page
    )


def test_create_takes_a_visible_owner_and_refuses_others_on_the_field(client, world):
    client.force_login(world.east_mgr)
    for owner in (world.west_rep.pk, 999999999, "nobody"):
        response = client.post(reverse("customers:create"), customer_post(owner=owner))
        assert response.status_code == 400
        assert response.context["form"].errors["owner"] == [REFUSED]
        assert REFUSED in response.content.decode()
    assert not Customer.objects.filter(name="Huaxin Cement").exists()
    response = client.post(reverse("customers:create"), customer_post(owner=world.east_rep2.pk))
    assert response.status_code == 302
    assert Customer.objects.get(name="Huaxin Cement").owner == world.east_rep2


def test_a_refused_form_keeps_the_names_of_what_was_valid(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("customers:create"), customer_post(owner=world.east_rep2.pk, parent=world.west_customer.pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["parent"] == [REFUSED]
    page = response.content.decode()
    assert f">{world.east_rep2}</output>" in page
    assert "West Power" not in page
