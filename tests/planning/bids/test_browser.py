"""In a real browser: start a bid, cost it and price it through the htmx forms, and see the margin
fall below the minimum with its warning, without leaving the page."""

from __future__ import annotations

import pytest

from kam.org.models import Role
from kam.planning.bids.models import Bid
from tests.e2e.conftest import login
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
    make_opportunity,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_cost_and_price_a_bid_and_see_the_margin_warning(page, live_server):
    # The machine is shared: give each step room.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    ensure_sales_processes()
    rep = UserFactory(username="bid_rep", role=Role.REP, team=TeamFactory(name="East"))
    deal = make_opportunity(
        owner=rep, customer=CustomerFactory(owner=rep), stage_code="P4", name="Boiler tender"
    )
    login(page, live_server, "bid_rep", PASSWORD, language="en")
    page.goto(f"{live_server.url}/planning/opportunity/{deal.pk}/bids/")
    page.fill("#id_tender_reference", "ZB-2027-007")
    page.click("#bid-start button[type=submit]")
    page.wait_for_selector("#bid-costs")
    marker = page.evaluate("window.__bidPage = 1")  # survives only if htmx swapped, not reloaded
    assert marker == 1

    adding = page.locator("#bid-costs form.add")
    adding.locator("select[name=kind]").select_option("equipment")
    adding.locator("input[name=description]").fill("Boiler body")
    adding.locator("input[name=amount]").fill("900000")
    adding.locator("button[type=submit]").click()
    page.wait_for_selector("#bid-cost-lines >> text=Boiler body")

    page.locator("#bid-costs .decision-forms input[name=price]").fill("1000000")
    page.locator("#bid-costs .decision-forms button:has-text('Save the price')").click()
    page.wait_for_selector("#bid-margin-warning")
    assert "10.00 %" in page.inner_text("#bid-margin")
    assert page.locator("#bid-costs button:has-text('Decide to bid')").is_disabled()
    assert page.evaluate("window.__bidPage") == 1
    page.screenshot(path="/tmp/bids_tools/bid_page.png", full_page=True)
    bid = Bid.objects.get(opportunity=deal)
    assert (bid.tender_reference, bid.price) == ("ZB-2027-007", 1000000)
