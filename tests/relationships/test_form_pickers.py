"""The contact page's forms pick our person and the other person by typing (kam.access.pickers): the
page lists no person and no contact, a visible id is taken and anything else refused on the field."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kam.org.models import User
from kam.relationships.models import Contact, Influence, Relationship
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

REFUSED = "Select one from the list (type to search)."


@pytest.fixture
def zhang(world):
    return ContactFactory(customer=world.east_customer, name="Zhang Wei")


def measure(client, url: str) -> tuple[int, int]:
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    return len(body), len(re.findall(r"<option\b", body))


def test_the_contact_page_does_not_grow_with_people_or_contacts(client, world, zhang):
    url = reverse("relationships:detail", args=[zhang.pk])
    client.force_login(world.director)
    before = measure(client, url)
    User.objects.bulk_create(
        User(username=f"bulk_user_{i:04d}", name=f"Bulk person {i:04d}") for i in range(300)
    )
    Contact.objects.bulk_create(
        Contact(customer=world.east_customer, name=f"Bulk contact {i:04d}") for i in range(300)
    )
    assert measure(client, url) == before


def test_our_person_must_be_one_whose_work_the_user_sees(client, world, zhang):
    client.force_login(world.east_mgr)
    url = reverse("relationships:set_level", args=[zhang.pk])
    response = client.post(url, {"user": world.west_rep.pk, "level": "3", "note": "Dinner"})
    assert response.status_code == 400
    assert response.context["level_form"].errors["user"] == [REFUSED]
    assert REFUSED in response.content.decode()
    assert client.post(url, {"user": world.east_rep2.pk, "level": "3", "note": "Dinner"}).status_code == 302
    assert Relationship.objects.get(contact=zhang).user == world.east_rep2


def test_the_other_person_is_another_contact_of_the_same_customer(client, world, zhang):
    deputy = ContactFactory(customer=world.east_customer, name="Deputy Li")
    elsewhere = ContactFactory(customer=world.west_customer, name="Wang Fang")
    client.force_login(world.director)
    url = reverse("relationships:add_influence", args=[zhang.pk])
    page = client.get(reverse("relationships:detail", args=[zhang.pk])).content.decode()
    assert f'data-picker="/pick/contacts/?customer={world.east_customer.pk}"' in page
    for other in (elsewhere, zhang):
        response = client.post(url, {"direction": "out", "other": other.pk})
        assert response.status_code == 400
        assert response.context["influence_form"].errors["other"] == [REFUSED]
    assert not Influence.objects.exists()
    assert client.post(url, {"direction": "out", "other": deputy.pk}).status_code == 302
    assert Influence.objects.get().target == deputy
