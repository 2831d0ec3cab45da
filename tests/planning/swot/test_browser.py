"""In a real browser: fill a deal's SWOT, derive an SO strategy from a strength and an
opportunity, and see it in the TOWS matrix linked to both items (which are no longer unused);
reorder with the keyboard."""

from __future__ import annotations

import pytest

from kam.org.models import Role
from kam.planning.swot.models import SwotItem, TowsStrategy
from tests.browser import login
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
    make_opportunity,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deal():
    ensure_sales_processes()
    rep = UserFactory(username="swot_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baowu Steel")
    return rep, make_opportunity(owner=rep, customer=customer, name="Blast furnace upgrade")


def _settled(page) -> None:
    """htmx has swapped and settled the last answer: a field filled before that is replaced."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def _add(page, kind: str, text: str) -> None:
    _settled(page)
    field = page.locator(f"#id_{kind}_text")
    field.fill(text)
    field.press("Enter")
    page.locator(f"#quadrant-{kind} .swot-item", has_text=text).wait_for()


def test_fill_a_swot_and_derive_a_tows_strategy(page, live_server, deal):
    rep, opportunity = deal
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/planning/opportunity/{opportunity.pk}/swot/")
    assert "Nothing yet." in page.locator("#quadrant-S").inner_text()

    _add(page, "S", "Reference furnace at a sister plant")
    _add(page, "W", "No local spare-parts stock")
    _add(page, "O", "Second furnace budgeted for next year")
    _add(page, "T", "Rival offers a 10% discount")
    assert page.locator(".unused-badge").count() == 4

    strength = SwotItem.objects.get(kind="S")
    opportunity_item = SwotItem.objects.get(kind="O")
    # The last add swaps the whole workspace; a form filled before it settles is thrown away.
    _settled(page)
    form = page.locator("form.strategy-add")
    form.locator("#id_new_kind").select_option("SO")
    form.locator("#id_new_text").fill("Invite the plant manager to the sister plant before the budget round")
    form.locator(f"input[name=items][value='{strength.pk}']").check()
    form.locator(f"input[name=items][value='{opportunity_item.pk}']").check()
    form.locator("button[type=submit]").click()

    cell = page.locator("#cell-SO")
    cell.locator(".strategy", has_text="Invite the plant manager").wait_for()
    links = cell.locator(".strategy .item-ref")
    assert links.all_inner_texts() == ["S1", "O1"]
    assert links.nth(0).get_attribute("href") == f"#item-{strength.pk}"
    assert links.nth(1).get_attribute("href") == f"#item-{opportunity_item.pk}"
    # The items it uses are marked as used by it; the other two stay unused.
    assert "used by SO1" in page.locator(f"#item-{strength.pk}").inner_text()
    assert page.locator(".unused-badge").count() == 2
    assert page.locator("#unused-items").inner_text().count(",") == 1
    links.nth(1).click()
    assert page.evaluate("location.hash") == f"#item-{opportunity_item.pk}"
    strategy = TowsStrategy.objects.get()
    assert strategy.kind == "SO" and set(strategy.items.values_list("pk", flat=True)) == {
        strength.pk,
        opportunity_item.pk,
    }


def test_reorder_an_item_with_the_keyboard(page, live_server, deal):
    rep, opportunity = deal
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/planning/opportunity/{opportunity.pk}/swot/")
    _add(page, "T", "Price war")
    _add(page, "T", "Budget freeze")
    second = SwotItem.objects.get(text="Budget freeze")
    _settled(page)
    page.locator(f"#item-{second.pk} button.move-up").focus()
    page.keyboard.press("Enter")
    page.locator("#quadrant-T .swot-item").first.filter(has_text="Budget freeze").wait_for()
    # The moved item is now first: its "up" is disabled, so the focus is on its "down".
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.closest('#item-' + id) !== null"
        " && document.activeElement.classList.contains('move-down')",
        arg=second.pk,
    )
    assert list(SwotItem.objects.filter(kind="T").order_by("order").values_list("text", flat=True)) == [
        "Budget freeze",
        "Price war",
    ]
