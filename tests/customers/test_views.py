"""The customer list, and creating and editing a customer."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.customers.models import Customer, CustomerChange, CustomerStatus, Segment, Tier
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db


def names(response):
    return [c.name for c in response.context["page"].object_list]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- list -----------------------------------------------------------------------------------------


def test_rep_sees_own_customers_only(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:list"))
    assert response.status_code == 200
    assert names(response) == ["East Steel"]
    assert response.context["nav"] == "customers"
    assert b"West Power" not in response.content
    assert b"New customer" in response.content


def test_manager_sees_the_teams_customers_and_not_the_other_team(client, world):
    client.force_login(world.east_mgr)
    response = client.get(reverse("customers:list"))
    listed = set(names(response))
    assert {"East Steel", world.east_opp2.customer.name} == listed


def test_director_sees_all_customers(client, world):
    client.force_login(world.director)
    response = client.get(reverse("customers:list"))
    assert set(names(response)) == set(Customer.objects.values_list("name", flat=True))
    assert len(names(response)) == 3


def test_list_shows_open_opportunity_count_and_open_pipeline(client, world):
    make_opportunity(owner=world.east_rep, customer=world.east_customer, amount=Decimal("500000.50"))
    closed = make_opportunity(owner=world.east_rep, customer=world.east_customer, amount=Decimal("9000000"))
    opportunity_services.close_opportunity(
        closed, by=world.east_rep, status=OpportunityStatus.LOST, reason="Price"
    )
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:list"))
    row = response.context["page"].object_list[0]
    assert row.open_count == 2
    assert row.open_amount == Decimal("1500000.50")
    assert "¥1,500,000.50" in response.content.decode()


def test_list_filters_by_text_tier_segment_status_owner_industry_and_region(client, world):
    rep = world.east_rep
    CustomerFactory(
        name="Huaxin Cement",
        short_name="HX",
        owner=rep,
        tier=Tier.A,
        segment=Segment.KEY,
        status=CustomerStatus.ACTIVE,
        industry="Cement",
        region="Hubei",
    )
    CustomerFactory(name="Anhui Conch", owner=world.east_rep2, tier=Tier.B, industry="Cement", region="Anhui")
    client.force_login(world.director)
    url = reverse("customers:list")
    assert names(client.get(url, {"q": "hx"})) == ["Huaxin Cement"]
    assert names(client.get(url, {"q": "conch"})) == ["Anhui Conch"]
    assert names(client.get(url, {"tier": "A"})) == ["Huaxin Cement"]
    assert names(client.get(url, {"segment": "key"})) == ["Huaxin Cement"]
    assert names(client.get(url, {"status": "active"})) == ["Huaxin Cement"]
    assert set(names(client.get(url, {"owner": rep.pk}))) == {"East Steel", "Huaxin Cement"}
    assert set(names(client.get(url, {"industry": "Cement"}))) == {"Huaxin Cement", "Anhui Conch"}
    assert names(client.get(url, {"industry": "Cement", "region": "Anhui"})) == ["Anhui Conch"]
    # A nonsense value is ignored rather than an error.
    assert client.get(url, {"tier": "Z", "owner": "x"}).status_code == 200


def test_list_shows_an_empty_state_when_nothing_matches(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:list"), {"q": "no such customer"})
    assert names(response) == []
    assert b"No customer matches these filters." in response.content


def test_list_sorts_by_the_chosen_column(client, world):
    make_opportunity(owner=world.west_rep, customer=world.west_customer, amount=Decimal("7000000"))
    client.force_login(world.director)
    url = reverse("customers:list")
    by_name = names(client.get(url, {"sort": "name"}))
    assert by_name == sorted(by_name)
    assert names(client.get(url, {"sort": "-name"})) == list(reversed(by_name))
    assert names(client.get(url, {"sort": "-open_amount"}))[0] == "West Power"
    response = client.get(url, {"sort": "bogus"})
    assert response.context["sort"] == "name"


def test_list_paginates_by_fifty(client, world):
    for index in range(52):
        CustomerFactory(name=f"Bulk {index:03d}", owner=world.east_rep)
    client.force_login(world.east_rep)
    url = reverse("customers:list")
    first = client.get(url)
    assert len(names(first)) == 50
    assert first.context["page"].paginator.count == 53
    second = client.get(url, {"page": 2})
    assert len(names(second)) == 3
    assert not set(names(first)) & set(names(second))


def test_list_answers_htmx_with_the_table_only(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:list"), {"q": "East"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="customer-table"')
    assert "East Steel" in body
    assert "<html" not in body


def test_customer_list_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world.east_mgr)
    url = reverse("customers:list")
    for _ in range(2):
        make_opportunity(owner=world.east_rep)
    small = count_queries(client, url)
    for _ in range(37):
        make_opportunity(owner=world.east_rep)
    assert Customer.objects.filter(owner__team=world.east).count() == 41
    large = count_queries(client, url)
    assert small == large
    assert large <= 16


# --- create and edit ------------------------------------------------------------------------------


def customer_post(**overrides):
    data = {
        "name": "Huaxin Cement",
        "short_name": "HX",
        "owner": "",
        "parent": "",
        "industry": "Cement",
        "region": "Hubei",
        "status": "prospect",
        "tier": "B",
        "segment": "important",
        "annual_revenue": "",
        "employees": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_rep_creates_a_customer(client, world):
    client.force_login(world.east_rep)
    form_page = client.get(reverse("customers:create"))
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["owner"].pk == world.east_rep.pk
    response = client.post(
        reverse("customers:create"), customer_post(owner=world.east_rep.pk, parent=world.east_customer.pk)
    )
    customer = Customer.objects.get(name="Huaxin Cement")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.parent == world.east_customer
    assert customer.owner == world.east_rep
    assert CustomerChange.objects.filter(customer=customer, changed_by=world.east_rep).exists()


@pytest.mark.parametrize("field", ["annual_revenue", "category_purchases", "employees"])
def test_a_negative_figure_is_a_field_error_and_nothing_is_saved(client, world, field):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("customers:create"), customer_post(owner=world.east_rep.pk, **{field: "-1"})
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Customer.objects.filter(name="Huaxin Cement").exists()


def test_create_offers_only_visible_parents_and_owners(client, world):
    client.force_login(world.east_rep)
    form = client.get(reverse("customers:create")).context["form"]
    assert list(form.fields["parent"].queryset) == [world.east_customer]
    assert list(form.fields["owner"].queryset) == [world.east_rep]
    response = client.post(
        reverse("customers:create"), customer_post(owner=world.west_rep.pk, parent=world.west_customer.pk)
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"owner", "parent"}
    assert not Customer.objects.filter(name="Huaxin Cement").exists()


def test_create_with_a_missing_name_shows_the_field_error(client, world):
    client.force_login(world.east_rep)
    response = client.post(reverse("customers:create"), customer_post(name="", owner=world.east_rep.pk))
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert Customer.objects.count() == 3


def edit_post(customer, **overrides):
    data = customer_post(
        name=customer.name,
        owner=customer.owner_id,
        status=customer.status,
        industry=customer.industry,
        region=customer.region,
        short_name=customer.short_name,
        parent=customer.parent_id or "",
    )
    data["version"] = customer.version
    data.update(overrides)
    return data


def test_rep_edits_a_customer_and_history_records_it(client, world):
    customer = world.east_customer
    client.force_login(world.east_rep)
    page = client.get(reverse("customers:edit", args=[customer.pk]))
    assert page.status_code == 200
    assert page.context["form"].initial["version"] == 1
    response = client.post(reverse("customers:edit", args=[customer.pk]), edit_post(customer, region="Anhui"))
    assert response.status_code == 302
    customer.refresh_from_db()
    # Stored as the region row names it (kam.customers.models.choices), shown in the reader's language.
    assert customer.region == "安徽"
    assert customer.version == 2
    assert CustomerChange.objects.filter(customer=customer, changed_by=world.east_rep).count() == 1


def test_stale_edit_shows_a_conflict_and_saves_nothing(client, world):
    customer = world.east_customer
    client.force_login(world.east_rep)
    stale = edit_post(customer, name="Mine")
    client.post(reverse("customers:edit", args=[customer.pk]), edit_post(customer, name="Theirs"))
    response = client.post(reverse("customers:edit", args=[customer.pk]), stale)
    assert response.status_code == 409
    assert b"someone else changed this customer" in response.content
    customer.refresh_from_db()
    assert customer.name == "Theirs"
    assert customer.version == 2


def test_edit_without_a_version_is_refused(client, world):
    customer = world.east_customer
    client.force_login(world.east_rep)
    response = client.post(
        reverse("customers:edit", args=[customer.pk]), edit_post(customer, name="X", version="")
    )
    assert response.status_code == 400
    assert "This page was out of date or incomplete: reload it and try again." in response.content.decode()
    customer.refresh_from_db()
    assert customer.name == "East Steel"


def test_parent_cycle_shows_the_services_message_on_the_field(client, world):
    group = world.east_customer
    child = CustomerFactory(name="Child", owner=world.east_rep, parent=group)
    client.force_login(world.east_rep)
    response = client.post(reverse("customers:edit", args=[group.pk]), edit_post(group, parent=child.pk))
    assert response.status_code == 400
    assert "cycle" in " ".join(response.context["form"].errors["parent"])
    group.refresh_from_db()
    assert group.parent_id is None


def test_edit_keeps_the_current_owner_choosable_for_a_deal_team_member(client, world):
    # east_rep2 sees West Power through a deal-team seat but could not pick its owner from their own list.
    opportunity_services.set_member(world.west_opp, world.east_rep2, by=world.west_rep, role="member")
    customer = world.west_customer
    client.force_login(world.east_rep2)
    response = client.post(reverse("customers:edit", args=[customer.pk]), edit_post(customer, region="North"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.region == "North"
    assert customer.owner == world.west_rep


def test_edit_form_does_not_offer_the_customer_as_its_own_parent(client, world):
    client.force_login(world.director)
    form = client.get(reverse("customers:edit", args=[world.east_customer.pk])).context["form"]
    assert world.east_customer not in form.fields["parent"].queryset
    assert world.west_customer in form.fields["parent"].queryset


def test_customer_page_links_to_coverage_net_and_relationship_history(client, world):
    client.force_login(world.east_rep)
    body = client.get(reverse("customers:detail", args=[world.east_customer.pk])).content.decode()
    assert reverse("coverage:net", args=[world.east_customer.pk]) in body
    assert reverse("coverage:history", args=[world.east_customer.pk]) in body
