"""The SWOT page of a deal and of a customer: visibility, forms posted plainly and through htmx,
refusals shown on the page, the customer panel, print."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kam.planning.swot import selectors, services
from kam.planning.swot.models import SwotItem, TowsStrategy
from tests.factories import PASSWORD, make_opportunity

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_deal_page_shows_an_empty_swot_with_its_forms(client, world):
    _login(client, world.east_rep)
    response = client.get(reverse("planning_swot:opportunity", args=[world.east_opp.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "East furnace" in body and "TOWS matrix" in body and "data-print" in body
    assert body.count('class="item-add no-print"') == 4
    assert "Nothing yet." in body


def test_another_teams_deal_and_customer_are_404(client, world):
    _login(client, world.west_rep)
    assert client.get(reverse("planning_swot:opportunity", args=[world.east_opp.pk])).status_code == 404
    assert client.get(reverse("planning_swot:customer", args=[world.east_customer.pk])).status_code == 404
    assert (
        client.get(reverse("planning_swot:customer_panel", args=[world.east_customer.pk])).status_code == 404
    )
    response = client.post(
        reverse("planning_swot:opportunity_add_item", args=[world.east_opp.pk]), {"kind": "S", "text": "x"}
    )
    assert response.status_code == 404
    item = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="Ours")
    assert (
        client.post(
            reverse("planning_swot:edit_item", args=[item.pk]), {"text": "y", "version": 1}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("planning_swot:remove_item", args=[item.pk]), {"version": 1}).status_code == 404
    )
    assert SwotItem.objects.get().text == "Ours"


def test_adding_an_item_through_htmx_returns_the_workspace(client, world):
    _login(client, world.east_rep)
    url = reverse("planning_swot:opportunity_add_item", args=[world.east_opp.pk])
    response = client.post(url, {"kind": "O", "text": "Second furnace planned for 2027"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="swot-workspace"')
    assert "Second furnace planned for 2027" in body and "Added O1." in body and "unused" in body


def test_an_empty_item_is_refused_on_the_page(client, world):
    _login(client, world.east_rep)
    url = reverse("planning_swot:opportunity_add_item", args=[world.east_opp.pk])
    response = client.post(url, {"kind": "S", "text": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not SwotItem.objects.exists()


def test_a_strategy_missing_a_side_is_refused_with_the_rule(client, world):
    s = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="Reference plant")
    _login(client, world.east_rep)
    url = reverse("planning_swot:opportunity_add_strategy", args=[world.east_opp.pk])
    response = client.post(url, {"kind": "SO", "text": "Show the plant", "items": [s.pk]}, **HTMX)
    assert response.status_code == 200
    assert "pick an opportunity (external)" in response.content.decode()
    assert not TowsStrategy.objects.exists()


def test_a_strategy_shows_in_its_cell_linked_to_its_items(client, world):
    s = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="Reference plant")
    o = services.add_item(world.east_opp, by=world.east_rep, kind="O", text="New line")
    _login(client, world.east_rep)
    url = reverse("planning_swot:opportunity_add_strategy", args=[world.east_opp.pk])
    response = client.post(url, {"kind": "SO", "text": "Invite them to the plant", "items": [s.pk, o.pk]})
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    cell = body[body.index('id="cell-SO"') : body.index('id="cell-WO"')]
    assert "Invite them to the plant" in cell
    assert f'href="#item-{s.pk}"' in cell and f'href="#item-{o.pk}"' in cell
    assert "Every item is used by a strategy." in body


def test_removing_an_item_in_use_asks_first(client, world):
    s = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="A")
    s2 = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="B")
    o = services.add_item(world.east_opp, by=world.east_rep, kind="O", text="C")
    services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="x", items=[s, s2, o])
    _login(client, world.east_rep)
    url = reverse("planning_swot:remove_item", args=[s.pk])
    response = client.post(url, {"version": 1}, **HTMX)
    body = response.content.decode()
    assert "S1 is used by SO1" in body and "Remove anyway" in body
    assert SwotItem.objects.filter(pk=s.pk).exists()
    response = client.post(url, {"version": 1, "detach": "on"}, **HTMX)
    assert "Removed S1." in response.content.decode()
    assert not SwotItem.objects.filter(pk=s.pk).exists()


def test_the_customer_page_and_panel(client, world):
    services.add_item(world.east_customer, by=world.east_rep, kind="T", text="Budget cut")
    services.add_item(world.east_opp, by=world.east_rep, kind="S", text="Deal strength")
    _login(client, world.east_rep)
    page = client.get(reverse("planning_swot:customer", args=[world.east_customer.pk]))
    assert page.status_code == 200 and "Budget cut" in page.content.decode()
    panel_url = reverse("planning_swot:customer_panel", args=[world.east_customer.pk])
    panel = client.get(panel_url, **HTMX).content.decode()
    assert "1 item · 0 strategies · 1 unused" in panel and "East furnace" in panel
    # Without htmx, the section's link opens the SWOT page.
    assert client.get(panel_url)["Location"] == reverse(
        "planning_swot:customer", args=[world.east_customer.pk]
    )
    # The customer's 360° page loads the panel by its address.
    detail = client.get(reverse("customers:detail", args=[world.east_customer.pk])).content.decode()
    assert f'hx-get="{panel_url}"' in detail


def test_the_panel_leaves_out_deals_the_reader_cannot_see(client, world):
    # A deal of East Steel owned by someone of the west team, whose SWOT the east rep must not see.
    hidden = make_opportunity(owner=world.west_rep, customer=world.east_customer, name="West side deal")
    services.add_item(hidden, by=world.west_rep, kind="S", text="Theirs")
    _login(client, world.east_rep)
    panel_url = reverse("planning_swot:customer_panel", args=[world.east_customer.pk])
    assert "West side deal" not in client.get(panel_url, **HTMX).content.decode()
    _login(client, world.director)
    assert "West side deal" in client.get(panel_url, **HTMX).content.decode()


def test_the_deal_panel_lists_the_tool_with_its_state(client, world):
    services.add_item(world.east_opp, by=world.east_rep, kind="S", text="A")
    _login(client, world.east_rep)
    panel = client.get(reverse("planning:opportunity_panel", args=[world.east_opp.pk])).content.decode()
    assert reverse("planning_swot:opportunity", args=[world.east_opp.pk]) in panel
    assert "1 item · 0 strategies · 1 unused" in panel


def test_the_page_in_chinese_calls_an_opportunity_in_a_swot_a_jihui(client, world):
    services.add_item(world.east_opp, by=world.east_rep, kind="O", text="二期扩建")
    _login(client, world.east_rep)
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        body = client.get(reverse("planning_swot:opportunity", args=[world.east_opp.pk])).content.decode()
        line = selectors.state(world.east_opp, world.east_rep)
    assert "TOWS 矩阵" in body and "机会 (O)" in body and "优势" in body and "未用" in body
    assert line == "1 个条目 · 0 条策略 · 1 个未用"


def test_the_page_reads_a_full_swot_in_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    items = [
        services.add_item(world.east_opp, by=world.east_rep, kind=k, text=f"{k} {n}")
        for n in range(5)
        for k in "SWOT"
    ]
    by_kind = {k: [i for i in items if i.kind == k] for k in "SWOT"}
    for kind in ("SO", "WO", "ST", "WT"):
        for n in range(3):
            services.add_strategy(
                world.east_opp,
                by=world.east_rep,
                kind=kind,
                text=f"{kind} {n}",
                items=[by_kind[kind[0]][n], by_kind[kind[1]][n]],
            )
    _login(client, world.east_rep)
    url = reverse("planning_swot:opportunity", args=[world.east_opp.pk])
    # Session, user, deal, SWOT, items, strategies with their actions, their items, the checkboxes, history.
    with django_assert_max_num_queries(9):
        body = client.get(url).content.decode()
    assert body.count('class="strategy"') == 12 and body.count("swot-item") >= 20
