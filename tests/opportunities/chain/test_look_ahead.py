"""The look-ahead where the relationship score is shown: the API's score, the decision chain page,
and the panel the deal page loads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.opportunities import services as opportunity_services
from kam.relationships import services as relationship_services
from tests.factories import ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def p2_deal(world):
    """A P2 deal signing in 20 days whose decision maker we know at CR1; the CTO we know well."""
    opportunity = make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        stage_code="P2",
        name="Blast furnace",
        sign_date=timezone.localdate() + dt.timedelta(days=20),
    )
    wang = ContactFactory(customer=world.east_customer, name="Wang")
    li = ContactFactory(customer=world.east_customer, name="Li")
    for contact, role, level in ((wang, "decision_maker", 1), (li, "technical_approver", 4)):
        opportunity_services.set_contact_role(opportunity, contact, by=world.east_rep, decision_role=role)
        relationship_services.set_relationship_level(
            contact, world.east_rep, level, by=world.east_rep, note="met at the plant"
        )
    world.p2 = opportunity
    return world


def test_the_relationship_score_api_carries_the_look_ahead(p2_deal, api_as):
    body = api_as(p2_deal.east_rep).get(f"/opportunities/{p2_deal.p2.pk}/relationship-score").json()
    assert body["score"] == 100  # P2 asks only for a known decision maker
    ahead = body["look_ahead"]
    assert ahead["next_stage"] == "P3"
    assert (ahead["upcoming_met"], ahead["upcoming_total"]) == (2, 2)
    assert ahead["sign_near"] == ["Sign date in 20 days · decision maker Wang at CR1 (weak: needs CR3)"]
    assert ahead["one_side"]["covered"] == "technical"


def test_the_decision_chain_api_carries_it_too(p2_deal, api_as):
    body = api_as(p2_deal.east_rep).get(f"/opportunities/{p2_deal.p2.pk}/decision-chain").json()
    assert body["relationship_score"]["look_ahead"]["one_side"]["missing"] == "business"


def test_the_decision_chain_page_shows_upcoming_sign_near_and_one_side(p2_deal, client):
    client.force_login(p2_deal.east_rep)
    page = client.get(reverse("chain:decision_chain", args=[p2_deal.p2.pk])).content.decode()
    assert "Sign date in 20 days · decision maker Wang at CR1 (weak: needs CR3)" in page
    assert "Our relationships cover only the technical side" in page


def test_the_deal_page_loads_the_look_ahead_panel(p2_deal, client, django_assert_max_num_queries):
    client.force_login(p2_deal.east_rep)
    detail = client.get(reverse("opportunities:detail", args=[p2_deal.p2.pk])).content.decode()
    url = reverse("chain:relationship_ahead", args=[p2_deal.p2.pk])
    assert url in detail
    with django_assert_max_num_queries(14):
        panel = client.get(url, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "Sign date near" in text
    assert "decision maker Wang at CR1" in text


def test_the_panel_lists_upcoming_requirements_with_what_is_missing(world, client):
    opportunity = make_opportunity(owner=world.east_rep, customer=world.east_customer, stage_code="P2")
    client.force_login(world.east_rep)
    text = client.get(reverse("chain:relationship_ahead", args=[opportunity.pk])).content.decode()
    assert "Upcoming at P3 (0 of 2 met)" in text
    assert "P3 · no Technical approver known" in text


def test_the_panel_answers_404_outside_the_readers_view(p2_deal, client):
    client.force_login(p2_deal.west_rep)
    assert client.get(reverse("chain:relationship_ahead", args=[p2_deal.p2.pk])).status_code == 404


def test_the_opportunity_api_carries_the_look_ahead_beside_the_score(p2_deal, api_as):
    body = api_as(p2_deal.east_rep).get(f"/opportunities/{p2_deal.p2.pk}").json()
    assert body["relationship_score"] == 100
    assert body["relationship_upcoming"] == []
    assert body["relationship_sign_near"] == [
        "Sign date in 20 days · decision maker Wang at CR1 (weak: needs CR3)"
    ]
    assert body["relationship_one_side"].startswith("Our relationships cover only the technical side")
