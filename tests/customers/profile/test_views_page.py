"""The customer page as the list opens it: what it shows, who may open it, and its org outline."""

import pytest
from django.urls import reverse

from kam.customers.models import CustomerChange
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from kam.relationships import services as relationship_services
from kam.relationships.models import DecisionRole
from tests.customers.profile.conftest import count_queries
from tests.factories import ContactFactory, CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

# --- detail ---------------------------------------------------------------------------------------


def section(client, name, customer, htmx=True, **params):
    """A section of the 360° page as the frame loads it (htmx) or as its own page."""
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(reverse(f"customers:{name}", args=[customer.pk]), params, **headers)


def test_customer_page_shows_profile_group_contacts_opportunities_and_history(client, world):
    group = CustomerFactory(name="Steel Group", owner=world.east_rep)
    customer = world.east_customer
    from kam.customers import services as customer_services

    customer_services.update_customer(customer, by=world.east_rep, version=1, parent=group)
    CustomerFactory(name="Steel Plant No. 2", owner=world.east_rep, parent=customer)
    CustomerFactory(name="Hidden Plant", owner=world.west_rep, parent=customer)
    ContactFactory(customer=customer, name="Zhang Wei", title="General manager", department="Board")
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav"] == "customers"
    # The frame: contacts in the org chart, actions, and a slot per section that loads itself.
    assert "Zhang Wei" in body and "General manager" in body and "Board" in body
    assert f"{reverse('opportunities:create')}?customer={customer.pk}" in body
    assert reverse("customers:edit", args=[customer.pk]) in body
    for name in ("profile_section", "opportunities_section", "history_section"):
        assert f'hx-get="{reverse(f"customers:{name}", args=[customer.pk])}"' in body
    profile = section(client, "profile_section", customer).content.decode()
    assert "Steel Group" in profile and reverse("customers:detail", args=[group.pk]) in profile
    assert "Steel Plant No. 2" in profile
    assert "Hidden Plant" not in profile  # a subsidiary of another team stays hidden
    opportunities = section(client, "opportunities_section", customer).content.decode()
    assert "East furnace" in opportunities
    assert reverse("opportunities:detail", args=[world.east_opp.pk]) in opportunities
    change = CustomerChange.objects.filter(customer=customer).order_by("-id").first()
    assert "Steel Group" in change.text
    history = section(client, "history_section", customer, htmx=False)
    assert change.pk in [c.pk for c in history.context["lines"]]
    assert change.text in history.content.decode()


def test_customer_page_lists_closed_opportunities_too(client, world):
    opportunity_services.close_opportunity(
        world.east_opp, by=world.east_rep, status=OpportunityStatus.WON, reason="Signed"
    )
    client.force_login(world.east_rep)
    response = section(client, "opportunities_section", world.east_customer, htmx=False, state="closed")
    assert [o.name for o in response.context["page"].object_list] == ["East furnace"]
    assert b"status-won" in response.content


@pytest.mark.parametrize("username", ["east_rep", "east_rep2", "east_mgr"])
def test_other_teams_customer_is_404_and_unchanged(client, world, username):
    client.force_login(getattr(world, username))
    customer = world.west_customer
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 404
    assert client.get(reverse("customers:org_outline", args=[customer.pk])).status_code == 404
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "name": "Taken over",
            "owner": world.east_rep.pk,
            "status": "active",
            "tier": "A",
            "segment": "key",
            "version": 1,
        },
    )
    assert response.status_code == 404
    customer.refresh_from_db()
    assert customer.name == "West Power"
    assert customer.version == 1


def test_manager_opens_a_team_members_customer(client, world):
    client.force_login(world.east_mgr)
    assert client.get(reverse("customers:detail", args=[world.east_customer.pk])).status_code == 200


def test_director_opens_any_customer(client, world):
    client.force_login(world.director)
    assert client.get(reverse("customers:detail", args=[world.west_customer.pk])).status_code == 200


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(reverse("customers:detail", args=[world.east_customer.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def outline(response):
    """(depth, name) per person of the server-rendered outline, in display order."""
    return [(item.depth, item.node.contact.name) for item in response.context["outline"]]


def test_org_outline_nests_people_under_their_managers_with_levels_and_roles(client, world):
    customer = world.east_customer
    gm = ContactFactory(customer=customer, name="GM", title="General manager", rank="high")
    cto = ContactFactory(customer=customer, name="CTO", rank="mid_high", reports_to=gm)
    ContactFactory(customer=customer, name="CFO", rank="mid_high", reports_to=gm)
    ContactFactory(customer=customer, name="Engineer", rank="low", reports_to=cto)
    relationship_services.set_relationship_level(cto, world.east_rep, 2, by=world.east_rep, note="Visit")
    relationship_services.set_relationship_level(cto, world.east_mgr, 4, by=world.east_mgr, note="Dinner")
    opportunity_services.set_contact_role(
        world.east_opp, cto, by=world.east_rep, decision_role=DecisionRole.TECHNICAL_APPROVER
    )
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert outline(response) == [(0, "GM"), (1, "CFO"), (1, "CTO"), (2, "Engineer")]
    body = response.content.decode()
    # Nested lists: the engineer's item sits inside the CTO's list of reports.
    cto_reports = body.index(f'data-manager="{cto.pk}"')
    assert body.index('data-name="CTO"') < cto_reports < body.index('data-name="Engineer"')
    assert body.count("<ul") == body.count("</ul>")
    assert body.count('<li class="person') == 4
    assert "CR4" in body and "Technical approver" in body and "#2563eb" in body
    # Works without JavaScript: links to edit, add under, delete each person.
    assert f"{reverse('relationships:create')}?customer={customer.pk}&amp;reports_to={cto.pk}" in body
    assert reverse("relationships:delete", args=[cto.pk]) in body
    assert reverse("relationships:edit", args=[cto.pk]) in body
    # The chart is drawn from the API.
    assert f'data-url="{reverse("api:customer_org_chart", args=[customer.pk])}"' in body


def test_org_outline_roles_come_from_open_opportunities_only(client, world):
    contact = ContactFactory(customer=world.east_customer, name="Buyer")
    opportunity_services.set_contact_role(
        world.east_opp, contact, by=world.east_rep, decision_role=DecisionRole.BUSINESS_APPROVER
    )
    opportunity_services.close_opportunity(
        world.east_opp, by=world.east_rep, status=OpportunityStatus.LOST, reason="x"
    )
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:detail", args=[world.east_customer.pk]))
    assert response.context["outline"][0].node.roles == []
    assert "Business approver</span>" not in response.content.decode()


def test_org_outline_with_several_top_people_lists_them_all_at_the_top(client, world):
    customer = world.east_customer
    chair = ContactFactory(customer=customer, name="Chair", rank="high")
    ContactFactory(customer=customer, name="Secretary", rank="low", reports_to=chair)
    ContactFactory(customer=customer, name="Auditor", rank="mid")
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert outline(response) == [(0, "Chair"), (1, "Secretary"), (0, "Auditor")]


def test_org_outline_focuses_on_a_department_with_managers_for_context(client, world):
    customer = world.east_customer
    gm = ContactFactory(customer=customer, name="GM", department="Board", rank="high")
    head = ContactFactory(customer=customer, name="Head of IT", department="IT", reports_to=gm)
    ContactFactory(customer=customer, name="Buyer", department="Purchasing", reports_to=gm)
    client.force_login(world.east_rep)
    url = reverse("customers:detail", args=[customer.pk])
    response = client.get(url, {"department": "IT"})
    assert outline(response) == [(0, "GM"), (1, "Head of IT")]
    assert [item.node.context for item in response.context["outline"]] == [True, False]
    assert "department=IT" in response.context["chart_url"]
    partial = client.get(reverse("customers:org_outline", args=[customer.pk]), {"department": "IT"})
    assert partial.status_code == 200
    assert (
        b"<html" not in partial.content
        and b"Head of IT" in partial.content
        and b"Buyer" not in partial.content
    )
    assert head.pk
    # An unknown department falls back to everyone.
    assert len(client.get(url, {"department": "Nope"}).context["outline"]) == 3


def test_customer_without_contacts_shows_an_empty_org_chart(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:detail", args=[world.east_customer.pk]))
    assert response.context["outline"] == []
    assert b"No contacts yet" in response.content


def make_contacts(customer, count, users, opportunity):
    boss = ContactFactory(customer=customer, name="Boss", rank="high")
    for index in range(count - 1):
        contact = ContactFactory(customer=customer, name=f"Person {index:02d}", reports_to=boss)
        relationship_services.set_relationship_level(
            contact, users[index % len(users)], index % 5 + 1, by=users[0], note="Visit"
        )
        opportunity_services.set_contact_role(
            opportunity, contact, by=users[0], decision_role=DecisionRole.USER
        )


def test_customer_page_query_count_does_not_grow_with_contacts(client, world):
    small_customer = world.east_customer
    large_customer = CustomerFactory(owner=world.east_rep)
    large_opp = make_opportunity(owner=world.east_rep, customer=large_customer)
    users = [world.east_rep, world.east_rep2, world.east_mgr]
    make_contacts(small_customer, 10, users, world.east_opp)
    make_contacts(large_customer, 200, users, large_opp)
    for index in range(3):
        CustomerFactory(owner=world.east_rep, parent=large_customer, name=f"Plant {index}")
    client.force_login(world.east_mgr)
    small = count_queries(client, reverse("customers:detail", args=[small_customer.pk]))
    large = count_queries(client, reverse("customers:detail", args=[large_customer.pk]))
    assert small == large
    assert large <= 20
