"""SWOT and TOWS over JSON: the SWOT with its items, the TOWS matrix with links and unused items;
writes with If-Match; another team's deal or customer is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.planning.swot import services
from kam.planning.swot.models import SwotItem, TowsStrategy

pytestmark = pytest.mark.django_db


def _delete(api, path, *, if_match=None):
    return api.client.delete("/api/v1" + path, **api._headers(if_match))


def test_build_a_swot_and_read_the_tows_matrix(world, api_as):
    api = api_as(world.east_rep)
    base = f"/planning/swot/opportunities/{world.east_opp.pk}"
    empty = api.get(base)
    assert empty.status_code == 200
    assert empty.json()["id"] is None and empty.json()["items"] == {"S": [], "W": [], "O": [], "T": []}
    s = api.post(base + "/items", {"kind": "S", "text": "Reference plant"})
    assert s.status_code == 201 and s.json()["label"] == "S1" and s.json()["unused"] is True
    o = api.post(base + "/items", {"kind": "O", "text": "New line"}).json()
    t = api.post(base + "/items", {"kind": "T", "text": "Rival discount"}).json()
    created = api.post(
        base + "/strategies", {"kind": "SO", "text": "Plant visit", "items": [s.json()["id"], o["id"]]}
    )
    assert created.status_code == 201
    assert created.json()["item_labels"] == ["S1", "O1"] and created["ETag"] == '"1"'
    body = api.get(base).json()
    assert [x["label"] for x in body["tows"]["SO"]] == ["SO1"]
    assert body["tows"]["SO"][0]["items"] == [s.json()["id"], o["id"]]
    assert body["unused"] == [t["id"]]
    assert body["items"]["S"][0]["used_by"] == ["SO1"]
    assert [c["action"] for c in body["history"]][:2] == ["strategy_added", "item_added"]


def test_a_strategy_without_both_sides_is_422(world, api_as):
    api = api_as(world.east_rep)
    base = f"/planning/swot/opportunities/{world.east_opp.pk}"
    s = api.post(base + "/items", {"kind": "S", "text": "A"}).json()
    response = api.post(base + "/strategies", {"kind": "ST", "text": "x", "items": [s["id"]]})
    assert response.status_code == 422
    assert "pick a threat" in response.json()["errors"]["items"][0]
    assert not TowsStrategy.objects.exists()


def test_another_teams_deal_and_customer_are_404(world, api_as):
    item = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="Ours")
    api = api_as(world.west_rep)
    assert api.get(f"/planning/swot/opportunities/{world.east_opp.pk}").status_code == 404
    assert api.get(f"/planning/swot/customers/{world.east_customer.pk}").status_code == 404
    assert (
        api.post(
            f"/planning/swot/customers/{world.east_customer.pk}/items", {"kind": "S", "text": "x"}
        ).status_code
        == 404
    )
    assert api.patch(f"/planning/swot/items/{item.pk}", {"text": "theirs"}, if_match=1).status_code == 404
    assert _delete(api, f"/planning/swot/items/{item.pk}", if_match=1).status_code == 404
    assert SwotItem.objects.get().text == "Ours"


def test_edits_need_if_match_and_a_stale_one_is_412(world, api_as):
    api = api_as(world.east_rep)
    item = services.add_item(world.east_customer, by=world.east_rep, kind="W", text="Slow service")
    path = f"/planning/swot/items/{item.pk}"
    assert api.patch(path, {"text": "Slower"}).status_code == 428
    ok = api.patch(path, {"text": "Slow service in the north"}, if_match=1)
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok["ETag"] == '"2"'
    stale = api.patch(path, {"text": "Other"}, if_match=1)
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert SwotItem.objects.get().text == "Slow service in the north"


def test_move_and_remove_an_item_in_use(world, api_as):
    api = api_as(world.east_rep)
    a = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="A")
    b = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="B")
    o = services.add_item(world.east_opp, by=world.east_rep, kind="O", text="C")
    services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="x", items=[a, b, o])
    moved = api.post(f"/planning/swot/items/{b.pk}/move", {"position": 1}, if_match=1)
    assert moved.status_code == 200 and moved.json()["label"] == "S1"
    refused = _delete(api, f"/planning/swot/items/{a.pk}", if_match=1)
    assert refused.status_code == 409 and "used by SO1" in refused.json()["message"]
    assert _delete(api, f"/planning/swot/items/{a.pk}?detach=true", if_match=1).status_code == 204
    assert list(SwotItem.objects.filter(kind="S").values_list("text", flat=True)) == ["B"]


def test_a_strategy_becomes_an_action(world, api_as):
    a = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="A")
    o = services.add_item(world.east_opp, by=world.east_rep, kind="O", text="C")
    strategy = services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="Do it", items=[a, o])
    api = api_as(world.east_mgr)
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    path = f"/planning/swot/strategies/{strategy.pk}/action"
    stranger = api.post(path, {"owner": world.west_rep.pk, "due": due}, if_match=1)
    assert stranger.status_code == 422 and "owner" in stranger.json()["errors"]
    response = api.post(path, {"owner": world.east_rep.pk, "due": due, "kind": "visit"}, if_match=1)
    assert response.status_code == 201
    action = response.json()["action"]
    assert action["status"] == "planned" and action["owner"]["id"] == world.east_rep.pk
    assert TowsStrategy.objects.get().activity_id == action["activity"]


def test_update_and_remove_a_strategy(world, api_as):
    api = api_as(world.east_rep)
    s = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="A")
    w = services.add_item(world.east_opp, by=world.east_rep, kind="W", text="B")
    t = services.add_item(world.east_opp, by=world.east_rep, kind="T", text="C")
    strategy = services.add_strategy(world.east_opp, by=world.east_rep, kind="ST", text="x", items=[s, t])
    path = f"/planning/swot/strategies/{strategy.pk}"
    assert api.patch(path, {"kind": "WT"}, if_match=1).status_code == 422
    changed = api.patch(path, {"kind": "WT", "items": [w.pk, t.pk]}, if_match=1)
    assert changed.status_code == 200 and changed.json()["label"] == "WT1"
    assert _delete(api, path, if_match=2).status_code == 204
    assert not TowsStrategy.objects.exists() and SwotItem.objects.count() == 3


def test_reading_a_swot_takes_a_fixed_number_of_queries(world, api_as, django_assert_max_num_queries):
    items = [services.add_item(world.east_opp, by=world.east_rep, kind=k, text=k * 3) for k in "SWOTSWOT"]
    for kind, pair in (("SO", (0, 2)), ("WO", (1, 2)), ("ST", (4, 3)), ("WT", (5, 7))):
        services.add_strategy(
            world.east_opp, by=world.east_rep, kind=kind, text=kind, items=[items[i] for i in pair]
        )
    api = api_as(world.east_rep)
    with django_assert_max_num_queries(9):
        response = api.get(f"/planning/swot/opportunities/{world.east_opp.pk}")
    assert sum(len(v) for v in response.json()["tows"].values()) == 4
