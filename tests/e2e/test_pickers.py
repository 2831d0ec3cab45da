"""In a real browser: pickers that search as you type. A new opportunity's customer-side lead is
searched among the contacts of the customer picked in the same form, and a deal-team member is
found by typing a colleague's name; both saved, with the chosen names shown beside the ids."""

from __future__ import annotations

import pytest

from kam.opportunities.models import Opportunity, OpportunityMember
from kam.org.models import Role
from tests.e2e.conftest import login
from tests.factories import (
    PASSWORD,
    ContactFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
    make_opportunity,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def offered(page, selector: str) -> list[str]:
    """The values the picker's <datalist> offers now."""
    return page.evaluate(
        "(sel) => [...(document.querySelector(sel).list || {options: []}).options].map(o => o.value)",
        selector,
    )


def wait_offered(page, selector: str, value: int) -> None:
    page.wait_for_function(
        "([sel, v]) => [...(document.querySelector(sel).list || {options: []}).options]"
        ".some(o => o.value === v)",
        arg=[selector, str(value)],
    )


def test_the_lead_is_searched_among_the_chosen_customers_contacts(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="pick_rep", role=Role.REP, team=TeamFactory(name="East"))
    steel = CustomerFactory(owner=rep, name="Baosteel")
    cement = CustomerFactory(owner=rep, name="Huaxin Cement")
    lead = ContactFactory(customer=steel, name="Zhang Wei", title="Plant manager")
    other = ContactFactory(customer=cement, name="Zhang Min")

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/new/")
    page.fill("#id_name", "Blast furnace upgrade")
    page.locator("#id_customer").press_sequentially("Baost", delay=30)
    wait_offered(page, "#id_customer", steel.pk)
    page.fill("#id_customer", str(steel.pk))
    page.wait_for_function("() => document.getElementById('id_customer_chosen').textContent === 'Baosteel'")

    page.locator("#id_customer_lead").press_sequentially("Zhang", delay=30)
    wait_offered(page, "#id_customer_lead", lead.pk)
    assert str(other.pk) not in offered(page, "#id_customer_lead")  # a contact of the other customer
    page.fill("#id_customer_lead", str(lead.pk))
    page.wait_for_function(
        "() => document.getElementById('id_customer_lead_chosen').textContent === 'Zhang Wei · Plant manager'"
    )
    page.click("button[type=submit].primary")
    page.wait_for_url("**/opportunities/*/")

    opportunity = Opportunity.objects.get(name="Blast furnace upgrade")
    assert (opportunity.customer, opportunity.customer_lead, opportunity.owner) == (steel, lead, rep)


def test_an_id_from_the_address_is_named_by_the_script(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="pick_rep2", role=Role.REP, team=TeamFactory(name="East"))
    steel = CustomerFactory(owner=rep, name="Baosteel")
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/new/?customer={steel.pk}")
    assert page.input_value("#id_customer") == str(steel.pk)
    page.wait_for_function("() => document.getElementById('id_customer_chosen').textContent === 'Baosteel'")


def test_a_colleague_is_added_to_the_deal_team_by_typing(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="team_rep", role=Role.REP, team=TeamFactory(name="East"))
    presales = UserFactory(username="presales_li", name="Li Presales", team=TeamFactory(name="Presales"))
    opportunity = make_opportunity(owner=rep, customer=CustomerFactory(owner=rep), name="Mill")

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/")
    page.locator("#team #id_user").press_sequentially("presal", delay=30)
    wait_offered(page, "#team #id_user", presales.pk)
    page.fill("#team #id_user", str(presales.pk))
    page.wait_for_function("() => document.getElementById('id_user_chosen').textContent === 'Li Presales'")
    page.fill("#team #id_part", "solution")
    page.locator("#team #id_part").press("Enter")
    page.wait_for_selector("#team td:has-text('Li Presales')")

    member = OpportunityMember.objects.get(opportunity=opportunity, user=presales)
    assert member.part == "solution"
