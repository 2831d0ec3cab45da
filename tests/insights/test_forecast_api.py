"""Forecast, funnel and targets over JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.org.models import Target
from tests.api.conftest import ApiClient
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def test_forecast_endpoint_money_as_strings(forecast_world):
    api = ApiClient(forecast_world.director)
    response = api.get(
        "/insights/forecast", {"period": "quarter", "year": 2027, "quarter": 2, "group": "team"}
    )
    assert response.status_code == 200
    body = response.json()
    east = next(g for g in body["groups"] if g["label"] == "East")
    assert east["figures"]["weighted"] == "1350000.00"
    assert body["totals"]["won"] == "800000.00"
    assert body["period"] == "2027 Q2" and body["start"] == "2027-04-01"


def test_forecast_endpoint_buckets_a_year_by_quarter_with_targets(forecast_world):
    w = forecast_world
    Target.objects.create(
        team=w.west, period_start=dt.date(2027, 4, 1), period_end=dt.date(2027, 6, 30), amount=1000000
    )
    body = (
        ApiClient(w.director)
        .get("/insights/forecast", {"period": "year", "year": 2027, "bucket": "quarter"})
        .json()
    )
    assert [p["period"] for p in body["periods"]] == ["2027 Q1", "2027 Q2", "2027 Q3"]
    west = next(g for g in body["groups"] if g["label"] == "West")
    assert west["target"]["attainment"] == "0.8000" and west["target"]["gap"] == "200000.00"


def test_forecast_endpoint_bad_input_is_422_with_fields(forecast_world):
    api = ApiClient(forecast_world.director)
    response = api.get("/insights/forecast", {"period": "week"})
    assert response.status_code == 422 and "period" in response.json()["errors"]
    response = api.get("/insights/forecast", {"period": "quarter", "bucket": "year"})
    assert response.status_code == 422 and "bucket" in response.json()["errors"]


def test_forecast_endpoint_respects_visibility(forecast_world):
    body = ApiClient(forecast_world.west_rep).get("/insights/forecast", {"year": 2027, "quarter": 2}).json()
    assert [g["label"] for g in body["groups"]] == ["West"]


def test_funnel_endpoint(forecast_world):
    api = ApiClient(forecast_world.director)
    body = api.get("/insights/funnel").json()
    assert [s["stage"] for s in body["stages"]][:2] == ["P0", "P1"]
    assert body["stages"][0]["open_amount"] == "3000000.00"
    assert api.get("/insights/funnel", {"process": "nope"}).status_code == 422


def test_targets_crud(world):
    api = ApiClient(world.east_mgr)
    created = api.post(
        "/insights/targets",
        {"team": world.east.pk, "period_start": "2027-07-01", "period_end": "2027-09-30", "amount": "500"},
    )
    assert created.status_code == 201 and created.json()["amount"] == "500.00"
    pk = created.json()["id"]
    assert api.patch(f"/insights/targets/{pk}", {"amount": "600"}).status_code == 428
    patched = api.patch(f"/insights/targets/{pk}", {"amount": "600"}, if_match=1)
    assert patched.status_code == 200 and patched.json()["amount"] == "600.00"
    assert patched["ETag"] == '"2"' and patched.json()["version"] == 2
    stale = api.patch(f"/insights/targets/{pk}", {"amount": "700"}, if_match=1)
    assert stale.status_code == 412
    assert Target.objects.get(pk=pk).amount == 600
    assert [t["id"] for t in api.get("/insights/targets").json()] == [pk]
    duplicate = api.post(
        "/insights/targets",
        {"team": world.east.pk, "period_start": "2027-07-01", "period_end": "2027-09-30", "amount": "1"},
    )
    assert duplicate.status_code == 422 and "period_start" in duplicate.json()["errors"]
    deleted = api.client.delete(f"/api/v1/insights/targets/{pk}", **api._headers())
    assert deleted.status_code == 204 and not Target.objects.exists()


def test_targets_permissions_and_visibility(world):
    target = Target.objects.create(
        team=world.west, period_start=dt.date(2027, 7, 1), period_end=dt.date(2027, 9, 30), amount=1
    )
    east_mgr = ApiClient(world.east_mgr)
    assert east_mgr.get(f"/insights/targets/{target.pk}").status_code == 404
    assert east_mgr.patch(f"/insights/targets/{target.pk}", {"amount": "2"}).status_code == 404
    refused = east_mgr.post(
        "/insights/targets",
        {"team": world.west.pk, "period_start": "2027-07-01", "period_end": "2027-09-30", "amount": "1"},
    )
    assert refused.status_code == 422 and "team" in refused.json()["errors"]
    rep = ApiClient(world.west_rep)
    assert rep.get(f"/insights/targets/{target.pk}").status_code == 200  # own team's target
    assert rep.patch(f"/insights/targets/{target.pk}", {"amount": "2"}).status_code == 403
    assert (
        rep.post(
            "/insights/targets",
            {"team": world.west.pk, "period_start": "2027-07-01", "period_end": "2027-09-30", "amount": "1"},
        ).status_code
        == 403
    )


def test_targets_bad_body_gives_field_messages(world):
    api = ApiClient(world.director)
    response = api.post(
        "/insights/targets",
        {"team": world.east.pk, "period_start": "2027-09-30", "period_end": "2027-07-01", "amount": "-1"},
    )
    assert response.status_code == 422
    response = api.post(
        "/insights/targets",
        json.dumps(
            {"team": world.east.pk, "period_start": "2027-09-30", "period_end": "2027-07-01", "amount": "1"}
        ),
    )
    assert "period_end" in response.json()["errors"]


def _many(world, n):
    for i in range(n):
        make_opportunity(
            owner=world.east_rep if i % 2 else world.west_rep,
            customer=world.east_customer if i % 2 else world.west_customer,
            stage_code=["P1", "P3", "P5"][i % 3],
            name=f"Bulk {i}",
            sign_date=dt.date(2027, 4 + i % 3, 10),
        )


@pytest.mark.parametrize(
    "path,params",
    [
        ("/insights/forecast", {"year": 2027, "quarter": 2, "group": "rep"}),
        ("/insights/forecast", {"period": "year", "year": 2027, "bucket": "month", "group": "customer"}),
        ("/insights/funnel", {}),
    ],
)
def test_endpoint_query_count_does_not_grow_with_opportunities(world, path, params):
    api = ApiClient(world.east_mgr)
    _many(world, 10)
    with CaptureQueriesContext(connection) as small:
        assert api.get(path, params).status_code == 200
    _many(world, 50)
    with CaptureQueriesContext(connection) as large:
        assert api.get(path, params).status_code == 200
    assert len(small) == len(large)
