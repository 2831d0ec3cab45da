"""Issue 17, accessibility: every drag has a keyboard path. A card on the board and a person in the
org-chart outline each have a "Move…" button; from the keyboard alone (Tab, Enter, Space, arrows)
the move is chosen, confirmed and saved, and focus comes back to the moved item's button."""

from __future__ import annotations

import pytest

from kam.opportunities.models import Opportunity, StageChange
from kam.org.models import Role
from kam.relationships.models import Contact
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


@pytest.fixture
def rep_and_customer():
    ensure_sales_processes()
    rep = UserFactory(username="keys_rep", role=Role.REP, team=TeamFactory(name="East"))
    return rep, CustomerFactory(owner=rep, name="Huaneng Shanghai")


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return e.tagName.toLowerCase() + '#' + e.id + '.' + e.className; }"
    )


def test_a_board_card_moves_to_the_next_stage_from_the_keyboard(page, live_server, rep_and_customer):
    rep, customer = rep_and_customer
    deal = make_opportunity(owner=rep, customer=customer, name="Keyboard boiler retrofit", stage_code="P0")
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/board/")
    card = page.locator(".opp-card", has_text="Keyboard boiler retrofit")
    move = card.locator(".card-move")
    move.wait_for(state="visible")
    # Named by what it acts on, starting with the text it shows.
    assert page.get_by_role("button", name="Move… Keyboard boiler retrofit", exact=True).count() == 1

    # Tab from the card's link reaches its Move… button; Enter opens the stage picker.
    card.locator(".card-name").focus()
    page.keyboard.press("Tab")
    assert "card-move" in focused(page)
    page.keyboard.press("Enter")
    picker = page.locator("#move-pick-dialog")
    picker.wait_for(state="visible")
    assert focused(page).startswith("select#move-pick-stage")
    options = picker.locator("option").all_inner_texts()
    assert options[0].startswith("P1") and not any(o.startswith("P0") for o in options)
    page.keyboard.press("ArrowDown")  # P2 …
    page.keyboard.press("ArrowUp")  # … back to P1, the next stage
    assert picker.locator("select").input_value() == str(deal.stage.process.stages.get(code="P1").pk)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Next

    # The same dialog a drop opens: confirm the key node and move.
    dialog = page.locator("#move-dialog")
    dialog.wait_for(state="visible")
    assert picker.is_hidden()
    assert "P1" in dialog.locator("#move-dialog-title").inner_text()
    assert focused(page).startswith("input#.")  # the key-node box, first in the dialog
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Budget approved")  # achieved against the key node
    dialog.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")

    page.wait_for_selector("#board-status .msg-success")
    page.wait_for_selector(".column[data-stage-code='P1'] .opp-card:has-text('Keyboard boiler retrofit')")
    deal.refresh_from_db()
    assert deal.stage.code == "P1"
    change = StageChange.objects.get(opportunity=deal, from_stage__isnull=False)  # not the creation
    assert (change.from_stage.code, change.to_stage.code) == ("P0", "P1")
    # Focus is back on the moved card's button, in its new column.
    page.wait_for_function(
        "() => document.activeElement.matches(\".column[data-stage-code='P1'] .opp-card .card-move\")"
    )


def test_escape_in_the_stage_picker_moves_nothing(page, live_server, rep_and_customer):
    rep, customer = rep_and_customer
    deal = make_opportunity(owner=rep, customer=customer, name="Stay put", stage_code="P0")
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/board/")
    move = page.locator(".opp-card", has_text="Stay put").locator(".card-move")
    move.focus()
    page.keyboard.press("Enter")
    page.locator("#move-pick-dialog").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#move-pick-dialog").wait_for(state="hidden")
    assert page.locator("#move-dialog").is_hidden()
    assert "card-move" in focused(page)
    assert Opportunity.objects.get(pk=deal.pk).stage.code == "P0"


def test_a_person_moves_under_another_manager_from_the_keyboard(page, live_server, rep_and_customer):
    rep, customer = rep_and_customer
    gm = ContactFactory(customer=customer, name="Chen GM", rank="high")
    cto = ContactFactory(customer=customer, name="Lin CTO", rank="mid_high", reports_to=gm)
    engineer = ContactFactory(customer=customer, name="Zhou Engineer", rank="low", reports_to=gm)
    ContactFactory(customer=customer, name="Qian Architect", rank="low", reports_to=engineer)

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_selector("#orgchart[data-rendered='1']")
    row = page.locator(f"#person-{engineer.pk} > .person-row")
    move = row.locator(".move-person")
    assert move.is_visible()
    assert page.get_by_role("button", name="Move… Zhou Engineer", exact=True).count() == 1

    # Tab from the person's "Edit" link … "Add a person here" … to Move….
    row.locator(".person-actions a").first.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert "move-person" in focused(page)
    page.keyboard.press("Enter")
    dialog = page.locator("#move-person-dialog")
    dialog.wait_for(state="visible")
    select = dialog.locator("select")
    assert focused(page).startswith("select#move-person-manager")
    assert select.input_value() == str(gm.pk)  # the current manager is chosen to start with
    names = [text.strip() for text in select.locator("option").all_inner_texts()]
    # Nobody moves under themselves or their own report.
    assert "Zhou Engineer" not in names and "Qian Architect" not in names
    assert "Lin CTO" in names and len(names) == 3  # nobody (top), Chen GM, Lin CTO
    page.keyboard.press("ArrowDown")  # Chen GM → Lin CTO
    assert select.input_value() == str(cto.pk)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Move

    page.wait_for_selector("#org-status .msg-success")
    assert "Zhou Engineer now reports to Lin CTO" in page.locator("#org-status").inner_text()
    assert dialog.is_hidden()
    engineer.refresh_from_db()
    assert engineer.reports_to_id == cto.pk
    assert Contact.objects.get(name="Qian Architect").reports_to_id == engineer.pk  # the branch moved along
    page.wait_for_selector(f"#person-{cto.pk} #person-{engineer.pk}")
    page.wait_for_function(f"() => document.activeElement.matches('#person-{engineer.pk} .move-person')")
