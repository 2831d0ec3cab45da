"""In a real browser: on a deal's competitor analysis, add a competitor from the grid, score us
against it, save through htmx and see where we lead and trail; mark a supporter and find the mark
on the decision chain."""

from __future__ import annotations

import os

import pytest

from kam.org.models import Role
from kam.planning.competition.models import CompetitorSupporter, Dimension, GridCell
from tests.browser import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes
from tests.opportunities.chain.conftest import build_chain

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def steel():
    ensure_sales_processes()
    rep = UserFactory(username="grid_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baowu Steel")
    return rep, build_chain(rep, customer, stage_code="P4")


def test_score_a_competitor_and_mark_its_supporter(page, live_server, steel):
    rep, chain = steel
    first, second = Dimension.objects.order_by("order")[:2]
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/planning/opportunity/{chain.opp.pk}/competition/")
    assert "No competitor on this deal yet" in page.inner_text("#competition-grid")

    page.fill("#id_new_name", "Alpha Systems")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_selector("table.competition-grid")
    alpha = page.locator("table.competition-grid thead th.them").first
    assert "Alpha Systems" in alpha.inner_text()

    competitor_id = chain.opp.competitor_entries.get().competitor_id
    page.select_option(f"select[name='score-{first.pk}-us']", "5")
    page.select_option(f"select[name='score-{first.pk}-{competitor_id}']", "2")
    page.select_option(f"select[name='score-{second.pk}-us']", "2")
    page.select_option(f"select[name='score-{second.pk}-{competitor_id}']", "4")
    page.fill(f"textarea[name='note-{first.pk}-us']", "Reference site next door")
    page.get_by_role("button", name="Save the grid").click()
    page.wait_for_selector("#competition-workspace .saved")
    grid = page.locator("table.competition-grid")
    assert grid.locator("td.cell.lead").count() == 1
    assert grid.locator("td.cell.trail").count() == 1
    assert "Leading on 1 of 2 dimensions" in page.inner_text("#competition-grid")
    assert GridCell.objects.get(dimension=first, competitor=None).note == "Reference site next door"
    if os.environ.get("KAM_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["KAM_SCREENSHOTS"], "competition-grid.png"), full_page=True
        )

    page.select_option("#id_contact", str(chain.qian.pk))
    page.get_by_role("button", name="Mark as supporter").click()
    page.wait_for_selector("#competitor-supporters table")
    assert CompetitorSupporter.objects.get().contact == chain.qian

    page.goto(f"{live_server.url}/opportunities/{chain.opp.pk}/decision-chain/")
    marks = page.locator("#chain-competitor-marks")
    marks.wait_for()
    assert "Finance Director Qian" in marks.inner_text() and "Alpha Systems" in marks.inner_text()
