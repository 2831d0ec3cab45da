"""Forecast and funnel over JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.org.models import Target
from tests.conftest import ApiClient
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
    # A first request records the token's use, which later requests within the minute skip.
    assert api.get(path, params).status_code == 200
    _many(world, 10)
    with CaptureQueriesContext(connection) as small:
        assert api.get(path, params).status_code == 200
    _many(world, 50)
    with CaptureQueriesContext(connection) as large:
        assert api.get(path, params).status_code == 200
    assert len(small) == len(large)


def test_forecast_and_funnel_bodies_are_exactly_what_their_schemas_render(forecast_world):
    """Both are rendered without validating them again through the schemas (for speed): each
    body must still be exactly what ForecastOut and FunnelOut render, nested figures included."""
    import json

    from ninja.renderers import JSONRenderer

    from kam.insights.forecast.schemas import ForecastOut, FunnelOut

    w = forecast_world
    Target.objects.create(
        team=w.west, period_start=dt.date(2027, 4, 1), period_end=dt.date(2027, 6, 30), amount=1000000
    )
    api = ApiClient(w.director)
    answers = [
        (ForecastOut, api.get("/insights/forecast", {"period": "year", "year": 2027, "bucket": "quarter"})),
        (ForecastOut, api.get("/insights/forecast", {"period": "quarter", "year": 2027, "quarter": 2})),
        (ForecastOut, api.get("/insights/forecast", {"year": 2027, "quarter": 2, "group": "rep"})),
        (ForecastOut, api.get("/insights/forecast", {"year": 2027, "quarter": 2, "group": "customer"})),
        (FunnelOut, api.get("/insights/funnel")),
    ]
    for schema, response in answers:
        assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
        body = response.json()
        validated = schema.model_validate(body)
        rendered = json.loads(JSONRenderer().render(None, validated.model_dump(), response_status=200))
        assert rendered == body
    year = answers[0][1].json()
    assert any(g["target"] and g["target"]["attainment"] for g in year["groups"])  # targets compared too
    assert all(isinstance(s["open_count"], int) for s in answers[-1][1].json()["stages"])
