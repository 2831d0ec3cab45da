"""In a real browser: open an opportunity's decision chain, click the decision maker, set their stance to
C (oppose) in the side panel, and see the node turn red and the gap list name the opposition."""

from __future__ import annotations

import json

import pytest

from kam.opportunities.models import OpportunityContact
from kam.org.models import Role
from tests.e2e.conftest import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes
from tests.opportunities.chain.conftest import build_chain

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RED = "#dc2626"
GREEN = "#16a34a"


@pytest.fixture
def steel():
    ensure_sales_processes()
    rep = UserFactory(username="chain_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baowu Steel")
    return rep, build_chain(rep, customer, stage_code="P4")


def node_colours(page) -> dict[str, str]:
    raw = page.get_attribute("#decision-chain-chart", "data-node-colours")
    return json.loads(raw) if raw else {}


def click_node(page, contact_id: int) -> None:
    """Click the person's node where ECharts drew it."""
    box = page.locator("#decision-chain-chart").bounding_box()
    point = page.evaluate("(id) => window.kamDecisionChain.pixelOf(id)", contact_id)
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_stance_change_in_side_panel_recolours_node_and_updates_gaps(page, live_server, steel):
    rep, chain = steel
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/{chain.opp.pk}/decision-chain/")
    page.wait_for_function("() => document.querySelector('#decision-chain-chart').dataset.renders === '1'")
    assert node_colours(page)[str(chain.wang.pk)] == GREEN
    gaps = page.locator("#relationship-gaps")
    assert "opposes" not in gaps.inner_text()

    click_node(page, chain.wang.pk)
    panel = page.locator("#side-panel .person-panel")
    panel.wait_for()
    assert "Deputy GM Wang" in panel.locator("h2").inner_text()
    panel.locator("select[name$='-stance']").select_option("C")
    panel.locator("form.roles-form button[type=submit]").click()

    page.wait_for_function("() => document.querySelector('#decision-chain-chart').dataset.renders === '2'")
    assert node_colours(page)[str(chain.wang.pk)] == RED
    page.wait_for_selector("#relationship-gaps li:has-text('opposes')")
    assert "P4 · Decision maker Deputy GM Wang opposes" in gaps.inner_text()
    assert page.get_attribute(f"#chain-table tr[data-contact='{chain.wang.pk}']", "data-stance") == "C"
    assert "Roles and stance saved." in panel.inner_text()
    assert OpportunityContact.objects.get(opportunity=chain.opp, contact=chain.wang).stance == "C"


def test_chart_locale_follows_the_page_language(page, live_server, steel):
    rep, chain = steel
    login(page, live_server, rep.username, PASSWORD, language="zh-hans")
    page.goto(f"{live_server.url}/opportunities/{chain.opp.pk}/power-map/")
    page.wait_for_function("() => window.kamPowerMap !== undefined")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    points = json.loads(page.get_attribute("#power-map-chart", "data-points"))
    assert {p["id"] for p in points} == {chain.wang.pk, chain.li.pk, chain.sun.pk, chain.qian.pk}
