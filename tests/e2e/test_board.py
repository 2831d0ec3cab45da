"""In a real browser: drag a card on the board to the next stage and find the move in its history."""

from __future__ import annotations

import pytest
from django.utils import translation

from kam.opportunities.models import Opportunity, StageChange
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


@pytest.fixture
def rep_with_deal():
    ensure_sales_processes()
    team = TeamFactory(name="East")
    rep = UserFactory(username="board_rep", role=Role.REP, team=team)
    customer = CustomerFactory(owner=rep, name="Huaneng Shanghai")
    opportunity = make_opportunity(
        owner=rep, customer=customer, name="Drag me boiler retrofit", stage_code="P0"
    )
    return rep, opportunity


def drag_card_to_stage(page, opportunity_name: str, stage_code: str) -> None:
    card = page.locator(".opp-card", has_text=opportunity_name)
    target = page.locator(f".column[data-stage-code='{stage_code}'] .cards")
    card.scroll_into_view_if_needed()
    source_box = card.bounding_box()
    target_box = target.bounding_box()
    assert source_box and target_box
    # Step the mouse like a person would: SortableJS needs intermediate moves to pick a drop target.
    page.mouse.move(source_box["x"] + 20, source_box["y"] + 10)
    page.mouse.down()
    for step in range(1, 16):
        x = source_box["x"] + 20 + (target_box["x"] + 30 - source_box["x"] - 20) * step / 15
        y = source_box["y"] + 10 + (target_box["y"] + 20 - source_box["y"] - 10) * step / 15
        page.mouse.move(x, y)
        page.wait_for_timeout(20)
    page.mouse.up()


def test_drag_card_to_next_stage_records_the_move(page, live_server, rep_with_deal):
    rep, opportunity = rep_with_deal
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/board/")
    page.wait_for_selector(".opp-card")

    drag_card_to_stage(page, "Drag me boiler retrofit", "P1")
    dialog = page.locator("#move-dialog")
    dialog.wait_for(state="visible")
    assert "Target confirmed" in dialog.inner_text()
    dialog.locator("input[name=key_node_confirmed]").check()
    dialog.locator("textarea[name=note]").fill("Budget approved by the plant")
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector("#board-status .msg-success")
    page.wait_for_selector(".column[data-stage-code='P1'] .opp-card:has-text('Drag me boiler retrofit')")

    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P1"
    change = StageChange.objects.filter(opportunity=opportunity).first()
    assert (change.from_stage.code, change.to_stage.code, change.note) == (
        "P0",
        "P1",
        "Budget approved by the plant",
    )

    page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/")
    history = page.locator("section", has_text="Stage history").last.inner_text()
    assert "Budget approved by the plant" in history
    assert "P0" in history and "P1" in history


def test_forward_drag_without_key_node_is_refused_and_card_returns(page, live_server, rep_with_deal):
    rep, opportunity = rep_with_deal
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/board/")
    page.wait_for_selector(".opp-card")
    drag_card_to_stage(page, "Drag me boiler retrofit", "P2")
    dialog = page.locator("#move-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("button.cancel").click()
    page.wait_for_selector(".column[data-stage-code='P0'] .opp-card:has-text('Drag me boiler retrofit')")
    assert Opportunity.objects.get(pk=opportunity.pk).stage.code == "P0"


def test_board_in_chinese_shows_translated_labels(page, live_server, rep_with_deal):
    rep, _opportunity = rep_with_deal
    login(page, live_server, rep.username, PASSWORD, language="zh-hans")
    page.goto(f"{live_server.url}/opportunities/board/")
    page.wait_for_selector(".opp-card")
    with translation.override("zh-hans"):
        expected = [translation.gettext(text) for text in ("Board", "Pipeline", "Customers", "Log out")]
    assert expected != ["Board", "Pipeline", "Customers", "Log out"], "zh-Hans catalogue is missing"
    # The menus' links are in the top bar, folded until a section is opened: their text, shown or not.
    nav = page.locator("header.topbar").text_content()
    for label in expected:
        assert label in nav
    # Stage names are data; in Chinese the seeded Chinese name shows.
    assert "市场规划" in page.locator(".column[data-stage-code='P0']").inner_text()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
