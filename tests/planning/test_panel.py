"""The deal page's strategy panel: the registered tools, each with its page and state, for whoever
may see the deal; and the entry gates move_stage asks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.core.errors import RuleViolation
from kam.opportunities import gates
from kam.opportunities.services import move_stage
from kam.planning import tools
from tests.factories import stage


@pytest.fixture
def only_test_tools(monkeypatch):
    registered: dict[str, tools.Tool] = {}
    monkeypatch.setattr(tools, "_tools", registered)
    return registered


def test_the_panel_lists_tools_in_order_with_state_and_skips_unknown_pages(client, world, only_test_tools):
    tools.register(tools.Tool(key="b", title="Second", url_name="opportunities:edit", order=2))
    tools.register(
        tools.Tool(
            key="a",
            title="First",
            url_name="opportunities:detail",
            order=1,
            state=lambda opportunity, user: f"state of {opportunity.name} for {user.username}",
        )
    )
    tools.register(tools.Tool(key="c", title="Missing", url_name="planning:no_such_page"))
    client.force_login(world.east_rep)
    response = client.get(reverse("planning:opportunity_panel", args=[world.east_opp.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("First") < body.index("Second")
    assert "state of East furnace for east_rep" in body
    assert reverse("opportunities:edit", args=[world.east_opp.pk]) in body
    assert "Missing" not in body


def test_the_panel_is_for_those_who_see_the_deal(client, world, only_test_tools):
    client.force_login(world.west_rep)
    assert client.get(reverse("planning:opportunity_panel", args=[world.east_opp.pk])).status_code == 404
    client.force_login(world.east_mgr)
    assert client.get(reverse("planning:opportunity_panel", args=[world.east_opp.pk])).status_code == 200


def test_the_deal_page_loads_the_panel(client, world):
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:detail", args=[world.east_opp.pk])).content.decode()
    assert reverse("planning:opportunity_panel", args=[world.east_opp.pk]) in body


def test_a_gate_sees_every_stage_a_jump_enters(world, monkeypatch):
    seen: list[list[str]] = []

    def gate(opportunity, entered):
        seen.append([s.code for s in entered])
        return "P2 is closed today." if any(s.code == "P2" for s in entered) else None

    monkeypatch.setattr(gates, "_gates", [])
    gates.register(gate)
    with pytest.raises(RuleViolation, match="P2 is closed today"):
        move_stage(world.east_opp, stage("P2"), by=world.east_rep, key_node_confirmed=True)
    assert seen == [["P1", "P2"]]
    world.east_opp.refresh_from_db()
    assert world.east_opp.stage.code == "P0"
    move_stage(world.east_opp, stage("P1"), by=world.east_rep, key_node_confirmed=True)
    world.east_opp.refresh_from_db()
    assert world.east_opp.stage.code == "P1"
