"""The analysis API: snapshots, what changed, accuracy, portfolio, matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.insights.review import services as review_services
from kam.opportunities import services
from tests.conftest import ApiClient
from tests.factories import make_opportunity
from tests.insights.review.conftest import at

pytestmark = pytest.mark.django_db


def section(body, key):
    return next(s for s in body["sections"] if s["key"] == key)


def test_snapshots_list_newest_first_with_row_counts(world, two_weeks):
    body = ApiClient(world.east_rep).get("/insights/snapshots").json()
    assert [s["note"] for s in body["items"]] == ["week 46", "week 45"]
    assert [s["rows"] for s in body["items"]] == [3, 3]


def test_only_a_director_takes_a_snapshot_through_the_api(world):
    response = ApiClient(world.director).post("/insights/snapshots", {"note": "ad hoc"})
    assert response.status_code == 201
    assert response.json()["rows"] == 3 and response.json()["taken_by"]["id"] == world.director.pk
    assert ApiClient(world.east_mgr).post("/insights/snapshots", {"note": "x"}).status_code == 403
    assert ApiClient(world.director).post("/insights/snapshots", {"nope": 1}).status_code == 422


def test_changes_endpoint_defaults_to_the_latest_two(world, two_weeks):
    before, after = two_weeks
    body = ApiClient(world.director).get("/insights/changes").json()
    assert (body["before"]["id"], body["after"]["id"]) == (before.pk, after.pk)
    advanced = section(body, "advanced")
    assert advanced["count"] == 1
    row = advanced["rows"][0]
    assert (row["stage_before"], row["stage_after"], row["name"]) == ("P0", "P1", "East furnace")
    assert row["url"] == f"/opportunities/{world.east_opp.pk}/"
    won = section(body, "won")
    assert won["count"] == 1 and won["amount"] == "1000000.00" and won["rows"][0]["status"] == "won"
    assert section(body, "new")["rows"][0]["amount_after"] == "7.00"


def test_changes_endpoint_against_now_and_by_id(world, two_weeks):
    before, after = two_weeks
    make_opportunity(owner=world.east_rep, customer=world.east_customer, name="today")
    client = ApiClient(world.east_mgr)
    live = client.get("/insights/changes", {"a": after.pk, "b": "now"}).json()
    assert live["after"] is None
    assert [r["name"] for r in section(live, "new")["rows"]] == ["today"]
    pair = client.get("/insights/changes", {"a": before.pk, "b": after.pk}).json()
    assert section(pair, "won")["count"] == 0  # the win was in the west
    assert client.get("/insights/changes", {"a": 999999}).status_code == 404
    assert client.get("/insights/changes", {"b": "tomorrow"}).status_code == 404


def test_changes_endpoint_without_snapshots_is_empty(world):
    body = ApiClient(world.director).get("/insights/changes").json()
    assert body == {"before": None, "after": None, "sections": []}


def test_accuracy_endpoint(world):
    rep = world.east_rep
    opp = make_opportunity(
        owner=rep,
        customer=world.east_customer,
        stage_code="P4",
        amount=Decimal("200000"),
        sign_date=dt.date(2026, 5, 10),
    )
    snapshot = review_services.take_snapshot(taken_at=at("2026-03-25 07:00"))
    services.close_opportunity(opp, by=rep, status="won", reason="signed")
    body = ApiClient(world.east_mgr).get("/insights/accuracy", {"period": "2026 Q2"}).json()
    assert body["snapshot"]["id"] == snapshot.pk
    assert (body["forecast"], body["won"], body["difference"], body["ratio"]) == (
        "100000.00",
        "200000.00",
        "100000.00",
        "200.0",
    )
    assert body["by_owner"][0]["owner_id"] == rep.pk
    west = ApiClient(world.west_rep).get("/insights/accuracy", {"period": "2026-05"}).json()
    assert (west["forecast"], west["won"]) == ("0.00", "0.00")
    refused = ApiClient(world.director).get("/insights/accuracy", {"period": "2099 Q1"})
    assert refused.status_code == 422 and "period" in refused.json()["errors"]
    assert ApiClient(world.director).get("/insights/accuracy", {"period": "soon"}).status_code == 422


def test_portfolio_endpoint_is_scoped(world):
    body = ApiClient(world.east_mgr).get("/insights/portfolio").json()
    assert {r["id"] for r in body["reps"]} == {world.east_rep.pk, world.east_rep2.pk}
    assert [t["id"] for t in body["teams"]] == [world.east.pk]
    assert body["reps"][0]["diagnosis"]["code"] == "few"
    assert body["policy"]["min_open"] == 5
    assert [s["code"] for s in body["stages"]][:2] == ["P0", "P1"]
    rep = ApiClient(world.east_rep).get("/insights/portfolio").json()
    assert [r["id"] for r in rep["reps"]] == [world.east_rep.pk] and rep["teams"] == []
    assert ApiClient(world.east_rep).get("/insights/portfolio", {"team": world.east.pk}).status_code == 404
    assert ApiClient(world.east_mgr).get("/insights/portfolio", {"team": world.west.pk}).status_code == 404


def test_matrix_endpoint(world):
    body = ApiClient(world.west_mgr).get("/insights/matrix", {"value": "100"}).json()
    assert [p["name"] for p in body["points"]] == ["West turbine"]
    point = body["points"][0]
    assert (point["quadrant"], point["likelihood"], point["relationship_score"]) == ("go_after", "10.0", 100)
    assert body["value_threshold"] == "100" and body["threshold_is_median"] is False
    assert body["quadrant_labels"]["act_now"] == "Act now"
    assert ApiClient(world.west_mgr).get("/insights/matrix", {"value": "-1"}).status_code == 422
