"""In a real browser: open a draft plan, edit its executive summary in place (htmx), save and see
it on the page with a line in the history; the forecast table saves from the keyboard."""

from __future__ import annotations

import os

import pytest

from kam.org.models import Role
from kam.planning.accountplans import services
from kam.planning.accountplans.models import AccountPlan
from tests.browser import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan():
    ensure_sales_processes()
    rep = UserFactory(username="plan_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baowu Steel", segment="key")
    return rep, services.create_plan(customer=customer, year=2027, by=rep)


def test_edit_a_section_in_place_and_save_the_forecast(page, live_server, plan):
    rep, account_plan = plan
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/planning/accounts/{account_plan.pk}/")
    page.locator("#section-summary a", has_text="Edit").click()
    field = page.locator("#section-summary textarea[name=executive_summary]")
    field.wait_for()
    assert field.evaluate("el => el === document.activeElement")
    field.fill("Become the customer's first supplier of furnaces")
    page.locator("#section-summary button[type=submit]").click()
    page.locator("#section-summary", has_text="first supplier of furnaces").wait_for()
    assert "Executive summary: — → Become" in page.locator("#history").inner_text()

    revenue = page.locator("#forecast input[name=revenue_2028]")
    revenue.fill("7000000")
    revenue.press("Enter")
    page.locator(".msg-success", has_text="Five-year forecast saved.").wait_for()
    assert AccountPlan.objects.get(pk=account_plan.pk).forecast_years.get(year=2028).revenue == 7000000
    if os.environ.get("KAM_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["KAM_SCREENSHOTS"], "account_plan.png"), full_page=True)
