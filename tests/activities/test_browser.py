"""In a real browser: from an opportunity's decision chain, log a visit with the deputy GM and
propose a higher CR level; back on the chain, the activities panel shows the last touch and the
visit, and the chain shows the new level."""

from __future__ import annotations

import pytest

from kam.activities.models import Activity
from kam.opportunities.models import Opportunity
from kam.org.models import Role
from kam.relationships.models import Relationship, RelationshipChange
from tests.browser import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes
from tests.opportunities.chain.conftest import build_chain

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def steel():
    ensure_sales_processes()
    rep = UserFactory(username="visit_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baowu Steel")
    return rep, build_chain(rep, customer, stage_code="P4")


def test_log_a_visit_from_the_decision_chain(page, live_server, steel):
    rep, chain = steel
    login(page, live_server, rep.username, PASSWORD, language="en")
    chain_url = f"{live_server.url}/opportunities/{chain.opp.pk}/decision-chain/"
    page.goto(chain_url)
    panel = page.locator("#activities-panel")
    panel.wait_for()
    assert "none yet" in panel.locator(".last-touch").inner_text()
    wang_row = page.locator(f"#chain-table tr[data-contact='{chain.wang.pk}']")
    assert "CR3" in wang_row.inner_text()

    panel.get_by_role("link", name="Log an activity").click()
    page.wait_for_selector("form.activity-form")
    page.fill("#id_summary", "Visited Deputy GM Wang about the furnace")
    page.check(f"input[name=contacts][value='{chain.wang.pk}']")
    page.select_option(f"#id_level_{chain.wang.pk}", "4")
    page.click("form.activity-form button[type=submit]")

    page.wait_for_url(chain_url)
    panel = page.locator("#activities-panel")
    panel.wait_for()
    assert "none yet" not in panel.locator(".last-touch").inner_text()
    assert "Visited Deputy GM Wang about the furnace" in panel.inner_text()
    assert "CR4" in page.locator(f"#chain-table tr[data-contact='{chain.wang.pk}']").inner_text()

    activity = Activity.objects.get()
    assert activity.opportunity_id == chain.opp.pk and activity.owner == rep
    assert Opportunity.objects.get(pk=chain.opp.pk).last_touch_at == activity.start
    assert Relationship.objects.get(contact=chain.wang, user=rep).level == 4
    assert (
        f"Activity #{activity.pk}" in RelationshipChange.objects.filter(contact=chain.wang).latest("id").note
    )
