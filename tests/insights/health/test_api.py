"""The health API: summary by rule and owner, the flagged list, one opportunity's flags; visibility."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.insights.health.conftest import _add_flagged

API = "/api/v1/insights/health"


def test_health_summary_and_flagged_list(client, flagged):
    client.force_login(flagged.director)
    response = client.get(API)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    counts = {row["code"]: row["count"] for row in data["by_rule"]}
    assert counts["sign_date_passed"] == 1 and counts["four_elements_incomplete"] == 1
    assert counts["no_update"] == 0
    owners = {row["owner"]["id"]: row for row in data["by_owner"]}
    assert owners[flagged.east_rep.pk]["critical"] == 1
    assert owners[flagged.west_rep.pk]["info"] == 1
    first = data["items"][0]
    assert first["id"] == flagged.east_opp.pk and first["worst_severity"] == "critical"
    assert first["flags"][0]["code"] == "sign_date_passed"
    assert "passed 3 days ago" in first["flags"][0]["explanation"]


def test_health_list_filters_and_paginates(client, flagged):
    client.force_login(flagged.director)
    assert [i["name"] for i in client.get(API, {"severity": "info"}).json()["items"]] == ["West turbine"]
    page = client.get(API, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and [i["name"] for i in page["items"]] == ["West turbine"]


@pytest.mark.parametrize("params", [{"rule": "nope"}, {"severity": "fatal"}, {"limit": 0}])
def test_health_bad_filters_get_a_422_with_the_field(client, flagged, params):
    client.force_login(flagged.director)
    response = client.get(API, params)
    assert response.status_code == 422
    assert next(iter(params)) in response.content.decode()


def test_rep_sees_only_own_flags_and_gets_404_on_others(client, flagged):
    client.force_login(flagged.west_rep)
    data = client.get(API).json()
    assert [i["name"] for i in data["items"]] == ["West turbine"]
    assert client.get(f"{API}/opportunities/{flagged.east_opp.pk}").status_code == 404
    own = client.get(f"{API}/opportunities/{flagged.west_opp.pk}")
    assert own.status_code == 200
    assert [f["code"] for f in own.json()["flags"]] == ["four_elements_incomplete"]
    assert "missing: amount" in own.json()["flags"][0]["explanation"]


def test_one_clean_opportunity_has_no_flags(client, flagged):
    client.force_login(flagged.director)
    data = client.get(f"{API}/opportunities/{flagged.east_opp2.pk}").json()
    assert data["flags"] == [] and data["worst_severity"] is None


def test_opportunities_api_carries_flags_and_filters_and_sorts_by_them(client, flagged):
    client.force_login(flagged.director)
    listed = client.get("/api/v1/opportunities", {"flagged": "true", "sort": "-severity"}).json()
    assert [i["name"] for i in listed["items"]] == ["East furnace", "West turbine"]
    assert listed["count"] == 2
    assert listed["items"][0]["flags"][0]["severity"] == "critical"
    detail = client.get(f"/api/v1/opportunities/{flagged.east_opp.pk}").json()
    assert [f["code"] for f in detail["flags"]] == ["sign_date_passed"]


def test_health_api_query_count_is_the_same_for_10_and_60_flagged(client, world):
    client.force_login(world.east_mgr)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(API)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()

    _add_flagged(world, 10)
    small, data = count()
    _add_flagged(world, 50)
    large, data = count()
    assert large == small
    assert data["count"] >= 60
    assert all(item["flags"] for item in data["items"])
