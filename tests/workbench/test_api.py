"""GET /api/v1/workbench: the caller's tiles with their links, and the to-dos."""

from __future__ import annotations


def test_api_returns_the_callers_tiles_and_links(bench, api_as):
    response = api_as(bench.east_rep).get("/workbench")
    assert response.status_code == 200
    body = response.json()
    assert body["view"] == "mine"
    tiles = {t["key"]: t for t in body["tiles"]}
    assert tiles["open_pipeline"]["url"] == f"/opportunities/?owner={bench.east_rep.pk}&status=open"
    assert tiles["open_pipeline"]["count"] == 1
    assert tiles["won_quarter"]["attainment_percent"] == 50
    assert [s["text"] for s in body["next_steps"]] == ["Send the revised quote"]
    assert body["approvals"] == []


def test_api_manager_sees_team_tiles_and_approvals(bench, api_as):
    body = api_as(bench.east_mgr).get("/workbench").json()
    assert body["view"] == "team"
    tiles = {t["key"]: t for t in body["tiles"]}
    assert tiles["changed"]["count"] == 2 and tiles["changed"]["url"] == "/workbench/changes/"
    assert [a["title"] for a in body["approvals"]] == [bench.approval.title]


def test_api_needs_a_token(client, world):
    assert client.get("/api/v1/workbench").status_code == 401
