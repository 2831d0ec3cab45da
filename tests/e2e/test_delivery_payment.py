"""In a real browser: a payment recorded on a contract's payments panel changes its outstanding amount
in place, and the receivables page shows what is left."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.delivery.payments import services
from kam.org.models import Role
from tests.browser import login
from tests.delivery.payments.helpers import add, make_contract
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_record_a_payment_and_see_the_outstanding_change(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="pay_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baosteel Group")
    contract = make_contract(customer, rep, "1000000")
    add(contract, rep, "300000", services.today() - dt.timedelta(days=10), name="Advance")
    add(contract, rep, "700000", services.today() + dt.timedelta(days=60), name="On acceptance")

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/delivery/contracts/{contract.pk}/payments/panel/")
    outstanding = page.locator("#payments-outstanding")
    assert outstanding.inner_text() == "¥1,000,000.00"
    assert "10 days overdue" in page.locator("#payments-panel .payment-plan").inner_text()

    page.get_by_text("Record a payment").click()
    page.fill("#id_pay_amount", "250000")
    page.fill("#id_pay_reference", "BANK-0042")
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_selector("text=Payment of 250000.00 recorded.")
    assert page.locator("#payments-outstanding").inner_text() == "¥750,000.00"
    # Matched to the oldest instalment first: the advance has 50,000 left.
    advance = page.locator("#payments-panel .payment-plan tbody tr").first
    assert "¥50,000.00" in advance.inner_text()
    assert "BANK-0042" in page.locator("#payments-panel .payments-list").inner_text()

    page.goto(f"{live_server.url}/delivery/receivables/")
    assert "¥50,000.00" in page.locator(".aging").inner_text()
    page.wait_for_function("() => document.querySelector('#receivables-forecast-chart canvas') !== null")
