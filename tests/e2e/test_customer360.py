"""In a real browser: the 360° customer page loads its sections on its own, lower ones on scroll."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.customers.models import CustomerChange
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


def test_frame_loads_its_sections_and_they_work_in_place(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="c360_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baosteel Group")
    CustomerFactory(owner=rep, name="Baosteel Ningbo", parent=customer)
    for index in range(23):
        make_opportunity(
            owner=rep,
            customer=customer,
            stage_code="P4",
            name=f"Line {index:02d}",
            amount=Decimal(100000 + index),
            sign_date=timezone.localdate() + dt.timedelta(days=index),
        )
    CustomerChange.objects.bulk_create(
        CustomerChange(customer=customer, changed_by=rep, summary=f"Edit {n:02d}") for n in range(25)
    )
    # Rescoring after each new deal may have written lines of its own.
    lines = CustomerChange.objects.filter(customer=customer).count()

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    # The top sections load at once.
    page.wait_for_selector("#profile-section")
    assert "Baosteel Ningbo" in page.locator("#profile-section").inner_text()
    assert page.locator("#profile-slot .loading-card").count() == 0

    # Lower sections load when scrolled to.
    page.locator("#opportunities-slot").scroll_into_view_if_needed()
    page.wait_for_selector("#opportunities-section table")
    assert page.locator("#opportunities-section tbody tr").count() == 20
    page.locator("#opportunities-section .pager a[rel=next]").click()
    page.wait_for_function("() => document.querySelectorAll('#opportunities-section tbody tr').length === 3")
    assert page.url.endswith(f"/customers/{customer.pk}/")  # swapped in place, the frame stays

    # Three rows in place of twenty pulled the forecast up into view without a scroll: it loads
    # all the same (an observer, not a scroll listener, notices it). Its chart is drawn beside the
    # sections below it loading at the same time, which on a loaded two-core runner takes more
    # than the default ten seconds.
    page.locator("#forecast-slot").scroll_into_view_if_needed()
    page.wait_for_selector("#customer-forecast-chart[data-drawn='true'] svg", timeout=30_000)

    page.locator("#history-slot").scroll_into_view_if_needed()
    page.wait_for_selector("#history-section")
    assert page.locator("#history-section li[data-change]").count() == 20
    page.locator("#history-section .load-more a").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#history-section li[data-change]').length === n", arg=min(lines, 40)
    )
    assert page.locator("#history-section .load-more").count() == 0


def test_saving_the_analysis_lands_on_its_section_loaded_and_in_view(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="c360_analyst", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Conch Cement")
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/analysis/")
    page.fill("#id_needs_history", "Two kilns a year since 2020")
    page.click("button[type=submit].primary")
    page.wait_for_selector("#analysis-section")
    page.wait_for_load_state("networkidle")
    assert "Two kilns a year since 2020" in page.locator("#analysis-section").inner_text()
    assert page.url.endswith(f"/customers/{customer.pk}/#analysis-slot")
    in_view = page.evaluate(
        "() => { const r = document.getElementById('analysis-section').getBoundingClientRect();"
        " return r.top < window.innerHeight && r.bottom > 0; }"
    )
    assert in_view
