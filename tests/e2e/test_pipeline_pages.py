"""In a real browser: the pipeline table's Next / Previous keep the filters and sort, and Back
returns to the page before with them."""

from __future__ import annotations

import json

import pytest

from kam.opportunities import views
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

ROWS = "#pipeline-results tbody tr"


# A row's second link to its opportunity is the name (the first is the project number).
NAMES = (
    f"[...document.querySelectorAll('{ROWS}')]"
    ".map(r => r.querySelectorAll('a[href^=\"/opportunities/\"]')[1].textContent)"
)


def _wait_for_names(page, names: list[str]) -> None:
    expected = json.dumps(names, separators=(",", ":"))  # as JSON.stringify writes it
    page.wait_for_function(f"() => JSON.stringify({NAMES}) === {json.dumps(expected)}")


def test_next_previous_and_back_keep_the_filters_and_the_sort(page, live_server, monkeypatch):
    # The live server runs in this process: a small page size makes a few deals several pages.
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    ensure_sales_processes()
    rep = UserFactory(username="pages_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baosteel")
    for name in ("Deal 1", "Deal 2", "Deal 3", "Deal 4", "Deal 5", "Other"):
        make_opportunity(owner=rep, customer=customer, name=name)

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/?q=Deal&sort=-name")
    _wait_for_names(page, ["Deal 5", "Deal 4"])

    page.click("#pipeline-results a[rel=next]")
    page.wait_for_url("**cursor=**")
    _wait_for_names(page, ["Deal 3", "Deal 2"])
    assert "q=Deal" in page.url and "sort=-name" in page.url
    second = page.url

    page.click("#pipeline-results a[rel=next]")
    _wait_for_names(page, ["Deal 1"])
    assert page.locator("#pipeline-results a[rel=next]").count() == 0

    page.go_back()
    page.wait_for_function(f"() => location.href === {second!r}")
    _wait_for_names(page, ["Deal 3", "Deal 2"])
    assert page.input_value("#id_q") == "Deal"

    page.click("#pipeline-results a[rel=prev]")
    _wait_for_names(page, ["Deal 5", "Deal 4"])
    assert page.locator("#pipeline-results a[rel=prev]").count() == 0
