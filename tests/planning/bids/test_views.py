"""The bid page: empty state, the htmx forms, errors and conflicts on the page, visibility, print."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kam.planning.bids import services
from kam.planning.bids.models import Bid, BidCostLine
from kam.planning.initiation.models import InitiationReport
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def deal(world):
    return make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P4", name="Bid deal"
    )


def _page(deal) -> str:
    return reverse("planning_bids:opportunity", kwargs={"pk": deal.pk})


def _act(deal, action: str) -> str:
    return reverse("planning_bids:act", kwargs={"pk": deal.pk, "action": action})


def test_the_page_starts_empty_and_offers_to_start(client, world, deal):
    client.force_login(world.east_rep)
    response = client.get(_page(deal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No bid yet" in html and "Start the bid" in html
    assert "data-print" in html


def test_starting_from_the_page_redirects_back_with_the_templates(client, world, deal):
    client.force_login(world.east_rep)
    response = client.post(_act(deal, "start"), {"tender_reference": "ZB-9", "tender_deadline": "2027-02-01"})
    assert response.status_code == 302 and response["Location"] == _page(deal)
    bid = Bid.objects.get(opportunity=deal)
    assert bid.tender_reference == "ZB-9"
    html = client.get(_page(deal)).content.decode()
    assert "Qualification documents" in html and "ZB-9" in html


def test_a_rep_of_another_team_gets_404_on_the_page_and_its_actions(client, world, deal):
    services.start_bid(deal, by=world.east_rep)
    client.force_login(world.west_rep)
    assert client.get(_page(deal)).status_code == 404
    response = client.post(_act(deal, "no-bid"), {"version": 1, "fatal_factors": "x"})
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.status == "open"


def test_adding_cost_lines_and_a_price_shows_the_margin_and_the_warning(client, world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    client.force_login(world.east_rep)
    response = client.post(
        _act(deal, "cost-lines-add"),
        {"version": bid.version, "kind": "equipment", "description": "Furnace shell", "amount": "90000"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="bid-workspace"' in html and "<html" not in html
    assert "Furnace shell" in html
    bid.refresh_from_db()
    response = client.post(_act(deal, "edit"), {"version": bid.version, "price": "100000"}, **HTMX)
    html = response.content.decode()
    assert "10.00 %" in html
    assert 'id="bid-margin-warning"' in html and "minimum of 15.00 %" in html
    assert "Send the price for approval" in html


def test_bad_input_shows_messages_and_writes_nothing(client, world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    client.force_login(world.east_rep)
    response = client.post(
        _act(deal, "cost-lines-add"),
        {"version": bid.version, "kind": "equipment", "description": "", "amount": "-5"},
        **HTMX,
    )
    html = response.content.decode()
    assert 'role="alert"' in html and "Description" in html
    assert not BidCostLine.objects.exists()


def test_a_stale_form_is_a_conflict_and_the_fresh_bid_is_shown(client, world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    stale = bid.version
    services.add_item(
        bid,
        "cost-lines",
        by=world.east_mgr,
        version=stale,
        kind="software",
        description="Licences",
        amount=Decimal(5),
    )
    client.force_login(world.east_rep)
    response = client.post(
        _act(deal, "cost-lines-add"),
        {"version": stale, "kind": "other", "description": "Bond", "amount": "1"},
        **HTMX,
    )
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "Licences" in html  # the other person's change is on the refreshed page
    assert not BidCostLine.objects.filter(description="Bond").exists()


def test_no_bid_from_the_page_closes_the_deal(client, world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    client.force_login(world.east_rep)
    response = client.post(
        _act(deal, "no-bid"),
        {"version": bid.version, "fatal_factors": "Tender requires a licence we lack."},
        **HTMX,
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.status == "dropped"
    html = response.content.decode()
    assert "Tender requires a licence we lack." in html
    assert "We decided not to bid" in html


def test_compliance_status_and_completeness_on_the_page(client, world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    item = bid.compliance_items.first()
    client.force_login(world.east_rep)
    response = client.post(
        _act(deal, "compliance-items-edit"),
        {
            "version": bid.version,
            "item": item.pk,
            "section": item.section,
            "text": item.text,
            "owner": world.east_rep2.pk,
            "status": "done",
        },
        **HTMX,
    )
    html = response.content.decode()
    total = bid.compliance_items.count()
    assert f"1/{total} items done" in html
    item.refresh_from_db()
    assert (item.status, item.owner) == ("done", world.east_rep2)


def test_won_outcome_from_the_page_moves_the_stage(client, world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    services.add_item(
        bid,
        "cost-lines",
        by=world.east_rep,
        version=None,
        kind="other",
        description="Cost",
        amount=Decimal(50),
    )
    services.update_bid(bid, by=world.east_rep, version=None, price=Decimal(100))
    services.decide_bid(bid, by=world.east_rep, version=None)
    client.force_login(world.east_rep)
    response = client.post(_act(deal, "outcome"), {"version": bid.version, "outcome": "won"}, **HTMX)
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage.code == "P5"


def test_the_page_reads_in_a_fixed_number_of_queries(client, world, deal, django_assert_max_num_queries):
    bid = services.start_bid(deal, by=world.east_rep)
    for n in range(6):
        services.add_item(
            bid,
            "cost-lines",
            by=world.east_rep,
            version=None,
            kind="other",
            description=f"L{n}",
            amount=Decimal(n),
        )
        services.add_item(
            bid, "questions", by=world.east_rep, version=None, question=f"Q{n}", answered_by=world.east_rep
        )
    client.force_login(world.east_rep)
    with django_assert_max_num_queries(25):
        response = client.get(_page(deal))
    assert response.status_code == 200


def test_the_strategy_panel_lists_the_bid_with_its_state(client, world, deal):
    services.start_bid(deal, by=world.east_rep)
    client.force_login(world.east_rep)
    html = client.get(reverse("planning:opportunity_panel", kwargs={"pk": deal.pk})).content.decode()
    assert _page(deal) in html
    assert "bid / no-bid open" in html


def test_the_page_in_chinese(client, world, deal):
    services.start_bid(deal, by=world.east_rep)
    client.force_login(world.east_rep)
    html = client.get(_page(deal), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "合规检查清单" in html and "成本与毛利" in html


def test_the_assessment_shows_the_initiation_report_beside_the_bid(client, world, deal, api_as):
    InitiationReport.objects.create(
        opportunity=deal,
        created_by=world.east_rep,
        status="approved",
        gross_margin=Decimal("22.50"),
        customer_needs="A furnace line by Q3.",
    )
    bid = services.start_bid(deal, by=world.east_rep)
    services.add_item(
        bid,
        "cost-lines",
        by=world.east_rep,
        version=None,
        kind="other",
        description="Cost",
        amount=Decimal(82),
    )
    services.update_bid(bid, by=world.east_rep, version=None, price=Decimal(100))
    client.force_login(world.east_rep)
    html = client.get(_page(deal)).content.decode()
    assert "22.50 %" in html and "A furnace line by Q3." in html
    assert "the bid&#x27;s margin now 18.00 %" in html or "the bid's margin now 18.00 %" in html
    assert reverse("planning_initiation:opportunity", kwargs={"pk": deal.pk}) in html
    body = api_as(world.east_rep).get(f"/planning/opportunities/{deal.pk}/bid").json()
    assert body["initiation"]["status"] == "approved" and body["initiation"]["gross_margin"] == "22.50"
