"""The contact picker (`/pick/contacts/`), the colleague scope of the people picker, and what a
picker renders: the id in the input and the chosen record's name beside it, never another's."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from kam.access.pickers import (
    PICK_LIMIT,
    ColleagueField,
    VisibleContactField,
    VisibleCustomerField,
    VisibleUserField,
    search_contacts,
)
from kam.relationships.models import Contact
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    """A contact at each customer, two sharing a name at the East customer."""
    return {
        "east": ContactFactory(customer=world.east_customer, name="Zhang Wei", title="Plant manager"),
        "east_cfo": ContactFactory(customer=world.east_customer, name="Li Na", title="CFO"),
        "east2": ContactFactory(customer=world.east_opp2.customer, name="Zhang Min"),
        "west": ContactFactory(customer=world.west_customer, name="Zhang Qiang"),
    }


def pick(client, q: str, **params) -> list[dict]:
    response = client.get(reverse("pick_contacts"), {"q": q, **params})
    assert response.status_code == 200
    return response.json()["items"]


def test_contact_search_returns_only_visible_matches(client, world, people):
    client.force_login(world.east_rep)
    assert {i["id"] for i in pick(client, "zhang")} == {people["east"].pk}
    assert pick(client, str(people["west"].pk)) == []
    client.force_login(world.director)
    assert {i["id"] for i in pick(client, "zhang")} == {
        people["east"].pk,
        people["east2"].pk,
        people["west"].pk,
    }


def test_contact_search_finds_by_title_and_names_the_customer_when_none_is_given(client, world, people):
    client.force_login(world.east_rep)
    assert pick(client, "cfo") == [{"id": people["east_cfo"].pk, "label": "Li Na · CFO · East Steel"}]
    # Narrowed to one customer, the label leaves the customer out.
    narrowed = pick(client, "", customer=world.east_customer.pk)
    assert [i["label"] for i in narrowed] == ["Li Na · CFO", "Zhang Wei · Plant manager"]


def test_contact_search_of_a_customer_offers_only_its_visible_contacts(client, world, people):
    client.force_login(world.director)
    assert {i["id"] for i in pick(client, "zhang", customer=world.west_customer.pk)} == {people["west"].pk}
    client.force_login(world.east_rep)
    assert pick(client, "zhang", customer=world.west_customer.pk) == []
    # An unusable customer id narrows to no one, not to everyone.
    assert pick(client, "zhang", customer="abc") == []


def test_contact_search_returns_at_most_the_limit(client, world):
    Contact.objects.bulk_create(
        Contact(customer=world.east_customer, name=f"Staff {i:03d}") for i in range(30)
    )
    client.force_login(world.east_rep)
    assert len(pick(client, "staff")) == PICK_LIMIT


@pytest.mark.parametrize("who", ["east_rep", "director"])
def test_contact_search_is_one_query(world, people, who, django_assert_num_queries):
    user = getattr(world, who)
    with django_assert_num_queries(1):
        assert search_contacts(user, "zhang")
    with django_assert_num_queries(1):
        assert search_contacts(user, "zhang", customer=world.east_customer.pk)


def test_the_contact_endpoint_costs_the_login_and_one_query(client, world, people, django_assert_num_queries):
    client.force_login(world.east_rep)
    with django_assert_num_queries(3):  # the session, the user, the search
        assert pick(client, "zhang")


def test_the_contact_search_needs_a_login(client, world):
    assert client.get(reverse("pick_contacts"), {"q": "zhang"}).status_code == 302


def test_the_colleague_scope_offers_every_active_colleague(client, world):
    UserFactory(username="west_gone", team=world.west_rep.team, is_active=False)
    client.force_login(world.east_rep)
    visible = client.get(reverse("pick_users"), {"q": "west"}).json()["items"]
    assert visible == []
    colleagues = client.get(reverse("pick_users"), {"q": "west", "scope": "colleagues"}).json()["items"]
    assert {i["id"] for i in colleagues} == {world.west_mgr.pk, world.west_rep.pk}


def test_the_contact_field_takes_a_visible_contact_and_refuses_others(world, people):
    field = VisibleContactField(user=world.east_rep)
    assert field.clean(str(people["east"].pk)) == people["east"]
    assert field.clean("Li Na") == people["east_cfo"]  # an exact name, without JavaScript
    for value in (str(people["west"].pk), "Zhang Qiang", "999999999"):
        with pytest.raises(forms.ValidationError, match="Select one from the list"):
            field.clean(value)


def test_the_contact_field_of_a_customer_refuses_another_customers_contact(world, people):
    field = VisibleContactField(
        user=world.director, customer=world.east_customer.pk, exclude=people["east"].pk
    )
    assert field.clean(str(people["east_cfo"].pk)) == people["east_cfo"]
    for other in (people["west"], people["east2"], people["east"]):
        with pytest.raises(forms.ValidationError, match="Select one from the list"):
            field.clean(str(other.pk))


def test_keep_leaves_the_current_value_valid_though_the_user_could_not_pick_it(world, people):
    field = VisibleContactField(user=world.east_rep, keep=people["west"].pk)
    assert field.clean(str(people["west"].pk)) == people["west"]
    owner = VisibleUserField(user=world.east_rep, keep=world.west_rep.pk)
    assert owner.clean(str(world.west_rep.pk)) == world.west_rep
    with pytest.raises(forms.ValidationError):
        owner.clean(str(world.west_mgr.pk))


def test_the_colleague_field_takes_any_active_person(world):
    gone = UserFactory(username="gone", is_active=False)
    field = ColleagueField(user=world.east_rep)
    assert field.clean(str(world.west_rep.pk)) == world.west_rep
    with pytest.raises(forms.ValidationError, match="Select one from the list"):
        field.clean(str(gone.pk))


class PickForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"] = VisibleCustomerField(user=user)
        self.fields["contact"] = VisibleContactField(user=user, customer=7, required=False)
        self.fields["other"] = VisibleContactField(user=user, customer_field="customer", required=False)


def test_a_form_re_rendered_with_a_visible_id_names_the_record(world, people, django_assert_num_queries):
    form = PickForm({"customer": str(world.east_customer.pk), "contact": "nobody"}, user=world.director)
    assert not form.is_valid()
    with django_assert_num_queries(0):  # the names come from the cleaning, not another query
        html = str(form["customer"])
    assert f'value="{world.east_customer.pk}"' in html
    assert '<output class="picker-chosen" id="id_customer_chosen" for="id_customer"' in html
    assert ">East Steel</output>" in html
    assert 'aria-describedby="id_customer_chosen"' in html
    assert "Select one from the list" in str(form.errors["contact"])


def test_a_form_re_rendered_with_an_invisible_id_does_not_name_it(world, people):
    form = PickForm({"customer": str(world.west_customer.pk)}, user=world.east_rep)
    assert not form.is_valid()
    html = str(form["customer"])
    assert f'value="{world.west_customer.pk}"' in html
    assert "West Power" not in html
    assert "Select one from the list" in str(form.errors["customer"])


def test_an_initial_record_is_named_without_a_query(world, django_assert_num_queries):
    form = PickForm(initial={"customer": world.east_customer}, user=world.east_rep)
    with django_assert_num_queries(0):
        html = str(form["customer"])
    assert f'value="{world.east_customer.pk}"' in html and ">East Steel</output>" in html


def test_the_contact_pickers_tell_the_script_which_customer_to_search(world):
    form = PickForm(user=world.east_rep)
    assert 'data-picker="/pick/contacts/?customer=7"' in str(form["contact"])
    assert 'data-picker-customer-field="customer"' in str(form["other"])
    assert "<option" not in str(form)
