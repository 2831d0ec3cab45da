"""In a real browser: the customer list keeps its sort and filters across htmx swaps."""

from __future__ import annotations

import pytest

from kam.org.models import Role
from tests.e2e.conftest import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rep_with_customers():
    rep = UserFactory(username="list_rep", role=Role.REP, team=TeamFactory(name="East"))
    for name, tier, status in (
        ("Alpha Steel", "B", "active"),
        ("Beta Cement", "B", "active"),
        ("Gamma Glass", "B", "prospect"),
        ("Delta Power", "A", "active"),
    ):
        CustomerFactory(owner=rep, name=name, tier=tier, status=status)
    return rep


def names(page) -> list[str]:
    return page.locator("#customer-table tbody tr td:nth-child(2)").all_inner_texts()


def test_a_sort_chosen_in_the_table_survives_the_next_filter(page, live_server, rep_with_customers):
    login(page, live_server, rep_with_customers.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/")
    page.locator(
        "#customer-table thead th a[href='?sort=-name']"
    ).click()  # name is the default sort, so the first click turns it around
    page.wait_for_url("**sort=-name**")
    assert names(page) == ["Gamma Glass", "Delta Power", "Beta Cement", "Alpha Steel"]

    page.select_option("#id_tier", "B")
    page.wait_for_function("() => document.querySelectorAll('#customer-table tbody tr').length === 3")
    assert "sort=-name" in page.url and "tier=B" in page.url
    assert names(page) == ["Gamma Glass", "Beta Cement", "Alpha Steel"]


def test_switching_language_keeps_the_filters_set_on_the_page(page, live_server, rep_with_customers):
    login(page, live_server, rep_with_customers.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/?tier=B")
    page.select_option("#id_status", "active")
    page.wait_for_function("() => document.querySelectorAll('#customer-table tbody tr').length === 2")

    page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "status=active" in page.url and "tier=B" in page.url
    assert sorted(names(page)) == ["Alpha Steel", "Beta Cement"]


def test_back_shows_the_filters_of_the_address_it_returns_to(page, live_server, rep_with_customers):
    login(page, live_server, rep_with_customers.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/")
    page.select_option("#id_tier", "B")
    page.wait_for_url("**tier=B**")
    page.wait_for_function("() => document.querySelectorAll('#customer-table tbody tr').length === 3")
    page.select_option("#id_status", "prospect")
    page.wait_for_url("**status=prospect**")
    page.wait_for_function("() => document.querySelectorAll('#customer-table tbody tr').length === 1")

    page.go_back()
    page.wait_for_function("() => !location.search.includes('status=prospect')")
    page.wait_for_function("() => document.querySelectorAll('#customer-table tbody tr').length === 3")
    assert page.input_value("#id_tier") == "B"
    assert page.input_value("#id_status") == ""
    # The next change builds on what is shown, so it keeps the tier.
    page.select_option("#id_status", "active")
    page.wait_for_url("**status=active**")
    assert "tier=B" in page.url
    page.wait_for_function("() => document.querySelectorAll('#customer-table tbody tr').length === 2")
