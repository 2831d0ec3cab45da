"""The analysis API and the weekly-meeting pages: snapshots, what changed, accuracy, portfolio, matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.insights.review import services as review_services
from kam.opportunities import services
from tests.api.conftest import ApiClient
from tests.factories import UserFactory, make_opportunity, stage

pytestmark = pytest.mark.django_db


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day))


@pytest.fixture
def two_weeks(world):
    before = review_services.take_snapshot(taken_at=at("2026-11-02 07:00"), note="week 45")
    services.move_stage(world.east_opp, stage("P1"), by=world.east_rep, key_node_confirmed=True)
    services.close_opportunity(world.west_opp, by=world.west_rep, status="won", reason="signed")
    make_opportunity(owner=world.east_rep2, customer=world.east_customer, name="fresh", amount=Decimal("7"))
    after = review_services.take_snapshot(taken_at=at("2026-11-09 07:00"), note="week 46")
    return before, after


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


# --- pages --------------------------------------------------------------------------------------


def test_changes_page_is_the_weekly_meeting_first_page(client, world, two_weeks, password):
    client.login(username="director", password=password)
    html = client.get(reverse("analysis:changes")).content.decode()
    assert 'id="section-advanced"' in html and "East furnace" in html
    assert 'id="section-won"' in html and "West turbine" in html
    assert "week 45" in html and "week 46" in html
    client.logout()
    client.login(username="east_rep2", password=password)
    html = client.get(reverse("analysis:changes")).content.decode()
    assert "West turbine" not in html and "fresh" in html
    assert client.get(reverse("analysis:changes") + "?a=abc").status_code == 404


def test_changes_page_without_snapshots_explains_how_to_start(client, world, password):
    client.login(username="director", password=password)
    assert "kam snapshot" in client.get(reverse("analysis:changes")).content.decode()


def test_accuracy_page_shows_errors_and_figures(client, world, password):
    review_services.take_snapshot(taken_at=at("2026-03-25 07:00"))
    client.login(username="director", password=password)
    html = client.get(reverse("analysis:accuracy") + "?period=2099-01").content.decode()
    assert "Choose a period that has ended." in html
    html = client.get(reverse("analysis:accuracy") + "?period=2026 Q2").content.decode()
    assert "2026 Q2" in html and 'class="forecast"' in html


def _grow(world, count):
    reps = [UserFactory(team=world.east) for _ in range(3)]
    for i in range(count):
        make_opportunity(
            owner=reps[i % 3],
            customer=world.east_customer,
            stage_code=f"P{i % 6}",
            amount=Decimal(1000 + i),
            sign_date=dt.date(2026, 5, 1 + i % 28),
        )


@pytest.mark.parametrize("count", [10, 60])
def test_pages_and_endpoints_cost_a_fixed_number_of_queries(
    client, world, password, count, django_assert_max_num_queries
):
    _grow(world, count)
    before = review_services.take_snapshot(taken_at=at("2026-03-02 07:00"))
    _grow(world, count)
    after = review_services.take_snapshot(taken_at=at("2026-03-09 07:00"))
    api = ApiClient(world.east_mgr)
    client.login(username="east_mgr", password=password)
    budgets = {
        "/insights/snapshots": 8,
        f"/insights/changes?a={before.pk}&b={after.pk}": 16,
        f"/insights/changes?a={before.pk}&b=now": 16,
        "/insights/accuracy?period=2026 Q2": 10,
        "/insights/portfolio": 14,
        "/insights/matrix": 12,
    }
    for path, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert api.client.get("/api/v1" + path, **api._headers()).status_code == 200, path
    pages = {
        reverse("analysis:changes"): 16,
        reverse("analysis:changes") + f"?a={before.pk}&b=now": 16,
        reverse("analysis:accuracy") + "?period=2026 Q2": 12,
    }
    for path, budget in pages.items():
        with django_assert_max_num_queries(budget):
            assert client.get(path).status_code == 200, path
