"""In a real browser: the pipeline table's filters follow the address, Back included."""

from __future__ import annotations

import pytest

from kam.opportunities import services
from kam.opportunities.models import OpportunityStatus
from kam.org.models import Role
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


def test_back_restores_the_filters_the_address_names(page, live_server):
    ensure_sales_processes()
    team = TeamFactory(name="East")
    rep = UserFactory(username="pipe_rep", role=Role.MANAGER, team=team)
    other = UserFactory(username="pipe_other", role=Role.REP, team=team)
    customer = CustomerFactory(owner=rep, name="Baosteel")
    make_opportunity(owner=rep, customer=customer, name="Open one")
    make_opportunity(owner=other, customer=customer, name="Open two")
    lost = make_opportunity(owner=rep, customer=customer, name="Lost one")
    services.close_opportunity(lost, by=rep, status=OpportunityStatus.LOST, reason="price")

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/")
    page.wait_for_function("() => document.querySelectorAll('#pipeline-results tbody tr').length === 2")
    page.select_option("#id_status", "all")
    page.wait_for_url("**status=all**")
    page.wait_for_function("() => document.querySelectorAll('#pipeline-results tbody tr').length === 3")
    # The owner picker searches as you type: the list offers the matches, the input holds the id.
    page.fill("#id_owner", "pipe_r")
    page.wait_for_function(
        f"() => [...(document.getElementById('id_owner').list || {{options: []}}).options]"
        f".some(o => o.value === '{rep.pk}')"
    )
    entries = page.evaluate("history.length")
    page.fill("#id_owner", str(rep.pk))
    # Enter fires "change" and "submit": one request wins and the address is pushed once.
    page.press("#id_owner", "Enter")
    page.wait_for_url(f"**owner={rep.pk}**")
    page.wait_for_function("() => document.querySelectorAll('#pipeline-results tbody tr').length === 2")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("history.length") == entries + 1

    # Back is a navigation inside the document (htmx put the address there): wait for the
    # address and the rows below, not for a load event.
    page.go_back(wait_until="commit")
    page.wait_for_function(f"() => !location.search.includes('owner={rep.pk}')")
    page.wait_for_function("() => document.querySelectorAll('#pipeline-results tbody tr').length === 3")
    assert page.input_value("#id_status") == "all"
    assert page.input_value("#id_owner") == ""
    assert page.locator(".topbar").count() == 1  # the whole page came back, not a fragment inside it
    # A change after Back keeps the status shown.
    page.check("#id_incomplete")
    page.wait_for_url("**incomplete=**")
    assert "status=all" in page.url


def test_long_unbroken_text_stays_inside_its_card(page, live_server):
    ensure_sales_processes()
    team = TeamFactory(name="East")
    rep = UserFactory(username="long_rep", role=Role.REP, team=team)
    helper = UserFactory(username="long_helper", role=Role.REP, team=team)
    opportunity = make_opportunity(
        owner=rep, customer=CustomerFactory(owner=rep, name="Baosteel"), name="Long"
    )
    services.set_member(opportunity, helper, by=rep, role="member", part="x" * 200)

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/")
    team_card = page.locator("#team").bounding_box()
    part_cell = page.locator("#team td.free-text", has_text="xxxx").bounding_box()
    assert team_card and part_cell
    assert part_cell["x"] + part_cell["width"] <= team_card["x"] + team_card["width"] + 1
