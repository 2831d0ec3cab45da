"""The opportunity's forms pick people and contacts by typing (kam.access.pickers): the pages list no
person, contact or customer, a visible id is taken and anything else refused on its field."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kam.customers.models import Customer
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityMember
from kam.org.models import User
from kam.relationships.models import Contact
from tests.factories import ContactFactory, UserFactory, stage

pytestmark = pytest.mark.django_db

REFUSED = "Select one from the list (type to search)."


def grow(world, n: int = 300) -> None:
    """n more people, contacts of the opportunity's customer, and customers."""
    User.objects.bulk_create(
        User(username=f"bulk_user_{i:04d}", name=f"Bulk person {i:04d}", team=world.east_rep.team)
        for i in range(n)
    )
    Contact.objects.bulk_create(
        Contact(customer=world.east_customer, name=f"Bulk contact {i:04d}") for i in range(n)
    )
    Customer.objects.bulk_create(
        Customer(name=f"Bulk customer {i:04d}", owner=world.east_rep) for i in range(n)
    )


def measure(client, url: str) -> tuple[int, int]:
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    return len(body), len(re.findall(r"<option\b", body))


@pytest.mark.parametrize(
    "url_name", ["opportunities:create", "opportunities:edit", "opportunities:detail", "chain:decision_chain"]
)
def test_the_pages_do_not_grow_with_people_contacts_or_customers(client, world, url_name):
    opp = world.east_opp
    url = reverse(url_name) if url_name == "opportunities:create" else reverse(url_name, args=[opp.pk])
    client.force_login(world.director)
    size_before, options_before = measure(client, url)
    grow(world)
    size_after, options_after = measure(client, url)
    assert options_after == options_before
    assert size_after == size_before


def edit_payload(opp: Opportunity, **overrides) -> dict:
    data = {
        "name": opp.name,
        "owner": opp.owner_id,
        "amount": "1000000",
        "sign_date": "2027-03-31",
        "sign_date_precision": "day",
        "customer_lead": "",
        "version": opp.version,
    }
    return {**data, **overrides}


def test_edit_takes_a_visible_owner_and_lead(client, world):
    opp = world.east_opp
    lead = ContactFactory(customer=world.east_customer, name="Zhang Wei")
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("opportunities:edit", args=[opp.pk]),
        edit_payload(opp, owner=world.east_rep2.pk, customer_lead=lead.pk),
    )
    assert response.status_code == 302
    opp.refresh_from_db()
    assert (opp.owner, opp.customer_lead) == (world.east_rep2, lead)


def test_edit_refuses_an_invisible_owner_on_its_field(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    for owner in (world.west_rep.pk, 999999999):
        response = client.post(reverse("opportunities:edit", args=[opp.pk]), edit_payload(opp, owner=owner))
        assert response.status_code == 200
        assert response.context["form"].errors["owner"] == [REFUSED]
        assert REFUSED in response.content.decode()
    opp.refresh_from_db()
    assert opp.owner == world.east_rep


def test_edit_keeps_the_current_owner_and_lead_though_the_editor_could_not_pick_them(client, world):
    # A director reassigned the deal to someone the rep's view does not include; the rep, still on the
    # deal team, can save other changes without having to change the owner or the lead.
    opp = world.east_opp
    lead = ContactFactory(customer=world.east_customer, name="Zhang Wei")
    Opportunity.objects.filter(pk=opp.pk).update(owner=world.west_rep, customer_lead=lead)
    OpportunityMember.objects.get_or_create(opportunity=opp, user=world.east_rep, defaults={"role": "member"})
    opp.refresh_from_db()
    client.force_login(world.east_rep)
    page = client.get(reverse("opportunities:edit", args=[opp.pk])).content.decode()
    assert f'value="{world.west_rep.pk}"' in page and f">{world.west_rep}</output>" in page
    response = client.post(
        reverse("opportunities:edit", args=[opp.pk]),
        edit_payload(opp, name="Renamed", owner=world.west_rep.pk, customer_lead=lead.pk),
    )
    assert response.status_code == 302
    opp.refresh_from_db()
    assert (opp.name, opp.owner, opp.customer_lead) == ("Renamed", world.west_rep, lead)


def test_edit_refuses_a_lead_of_another_customer_on_its_field(client, world):
    opp = world.east_opp
    other = ContactFactory(customer=world.east_opp2.customer, name="Elsewhere")
    client.force_login(world.director)
    response = client.post(
        reverse("opportunities:edit", args=[opp.pk]), edit_payload(opp, customer_lead=other.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["customer_lead"] == [REFUSED]
    opp.refresh_from_db()
    assert opp.customer_lead is None


def create_payload(world, **overrides) -> dict:
    data = {
        "name": "New line",
        "customer": world.east_customer.pk,
        "owner": world.east_rep.pk,
        "stage": stage("P0").pk,
        "sign_date_precision": "quarter",
        "customer_lead": "",
    }
    return {**data, **overrides}


def test_create_takes_a_lead_of_the_chosen_customer_and_refuses_an_invisible_one(client, world):
    lead = ContactFactory(customer=world.east_customer, name="Zhang Wei")
    hidden = ContactFactory(customer=world.west_customer, name="Wang Fang")
    client.force_login(world.east_rep)
    refused = client.post(reverse("opportunities:create"), create_payload(world, customer_lead=hidden.pk))
    assert refused.status_code == 200
    assert refused.context["form"].errors["customer_lead"] == [REFUSED]
    page = refused.content.decode()
    assert "Wang Fang" not in page  # an invisible id is never named
    assert f">{world.east_customer.name}</output>" in page  # the valid customer keeps its name
    created = client.post(reverse("opportunities:create"), create_payload(world, customer_lead=lead.pk))
    assert created.status_code == 302
    assert Opportunity.objects.get(name="New line").customer_lead == lead


def test_create_refuses_a_lead_of_another_visible_customer_on_its_field(client, world):
    other = ContactFactory(customer=world.west_customer, name="Wang Fang")
    client.force_login(world.director)
    response = client.post(reverse("opportunities:create"), create_payload(world, customer_lead=other.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["customer_lead"]
    assert not Opportunity.objects.filter(name="New line").exists()


def test_the_lead_picker_searches_the_customer_picked_in_the_form(client, world):
    client.force_login(world.east_rep)
    page = client.get(reverse("opportunities:create")).content.decode()
    lead_input = re.search(r'<input[^>]*name="customer_lead"[^>]*>', page).group(0)
    assert 'data-picker="/pick/contacts/"' in lead_input
    assert 'data-picker-customer-field="customer"' in lead_input
    edit = client.get(reverse("opportunities:edit", args=[world.east_opp.pk])).content.decode()
    assert f'data-picker="/pick/contacts/?customer={world.east_customer.pk}"' in edit


def test_the_deal_team_takes_a_colleague_from_another_team_and_refuses_an_unknown_one(client, world):
    opp = world.east_opp
    gone = UserFactory(username="gone", team=world.east_rep.team, is_active=False)
    client.force_login(world.east_rep)
    url = reverse("opportunities:member_add", args=[opp.pk])
    client.post(url, {"user": world.west_rep.pk, "role": "member", "part": "delivery"})
    assert OpportunityMember.objects.filter(opportunity=opp, user=world.west_rep).exists()
    for refused in (gone.pk, 999999999):
        response = client.post(url, {"user": refused, "role": "member"}, follow=True)
        assert REFUSED in response.content.decode()
        assert not OpportunityMember.objects.filter(opportunity=opp, user_id=refused).exists()


def test_the_decision_chain_takes_a_visible_contact_of_the_customer_only(client, world):
    opp = world.east_opp
    own = ContactFactory(customer=world.east_customer, name="Zhang Wei")
    foreign = ContactFactory(customer=world.west_customer, name="Wang Fang")
    client.force_login(world.east_rep)
    for url in (
        reverse("opportunities:contact_add", args=[opp.pk]),
        reverse("chain:add_contact", args=[opp.pk]),
    ):
        response = client.post(
            url, {"contact": foreign.pk, "decision_role": "coach", "stance": "A"}, follow=True
        )
        assert REFUSED in response.content.decode()
    client.post(
        reverse("chain:add_contact", args=[opp.pk]),
        {"contact": own.pk, "decision_role": "decision_maker", "stance": "A"},
    )
    assert list(OpportunityContact.objects.filter(opportunity=opp).values_list("contact_id", flat=True)) == [
        own.pk
    ]
