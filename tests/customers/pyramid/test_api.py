"""GET /api/v1/customers/pyramid: the page's figures over JSON, shares as fractions."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kam.customers.pyramid import selectors as pyramid
from tests.customers.pyramid.conftest import AS_OF


def test_director_figures_and_shape(api_as, data):
    response = api_as(data.director).get("/customers/pyramid", {"as_of": AS_OF})
    assert response.status_code == 200
    body = response.json()
    assert body["by"] == "segment"
    assert (body["window_start"], body["window_end"]) == ("2025-07-01", "2026-06-30")
    assert body["team"] is None and body["owner"] is None
    key, important, general = body["groups"]
    assert key["key"] == "key" and key["label"] == "Key accounts"
    assert (key["customers"], key["customer_share"], key["revenue"], key["revenue_share"]) == (
        1,
        "0.1429",
        "650000.00",
        "0.3171",
    )
    assert (key["gross_profit"], key["gross_profit_share"], key["highlight"]) == (
        "250000.00",
        "0.3049",
        "over",
    )
    assert important["highlight"] == "under"
    assert (important["deals_without_margin"], important["revenue_without_margin"]) == (1, "100000.00")
    # No activities in the data set: zero hours, and no whole to share them from.
    assert general["sales_hours"] == "0.0" and general["sales_hours_share"] is None
    totals = body["totals"]
    assert (totals["customers"], totals["revenue"], totals["gross_profit"]) == (7, "2050000.00", "820000.00")
    assert totals["customer_share"] == "1.0000"


def test_json_matches_the_page(api_as, client, password, data):
    params = {"as_of": AS_OF, "by": "tier", "team": str(data.east.pk)}
    body = api_as(data.east_mgr).get("/customers/pyramid", params).json()
    client.login(username="east_mgr", password=password)
    page = client.get(reverse("customers:pyramid"), params).content.decode()
    for group in body["groups"]:
        row = re.search(rf'<tr data-group="{group["key"]}"[^>]*>(.*?)</tr>', page, re.S)
        assert row, group["key"]
        cells = dict(re.findall(r'<td class="num ([a-z-]+)[^"]*">([^<]*)</td>', row.group(1)))
        assert cells["customers"] == str(group["customers"])
        assert cells["revenue"] == f"¥{float(group['revenue']):,.2f}"
        assert cells["profit"] == f"¥{float(group['gross_profit']):,.2f}"
        assert cells["customer-share"] == pyramid.percent_text(
            None if group["customer_share"] is None else pyramid.Decimal(group["customer_share"])
        )
        assert cells["profit-share"] == pyramid.percent_text(
            None if group["gross_profit_share"] is None else pyramid.Decimal(group["gross_profit_share"])
        )


def test_rep_sees_no_other_team(api_as, data):
    body = api_as(data.east_rep).get("/customers/pyramid", {"as_of": AS_OF}).json()
    assert body["totals"]["customers"] == 4
    assert body["totals"]["revenue"] == "900000.00"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"by": "size"}, "by"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "9999-12-31"}, "as_of"),
        ({"as_of": "0001-01-01"}, "as_of"),
        ({"owner": "0"}, "owner"),
        ({"team": "x"}, "team"),
    ],
)
def test_bad_parameters_are_422_with_the_field(api_as, data, params, field):
    response = api_as(data.director).get("/customers/pyramid", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_team_and_owner_outside_the_users_reach_are_422(api_as, data):
    rep = api_as(data.east_rep)
    assert rep.get("/customers/pyramid", {"owner": str(data.west_rep.pk)}).status_code == 422
    manager = api_as(data.east_mgr)
    response = manager.get("/customers/pyramid", {"team": str(data.west.pk)})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["team"]


def test_anonymous_is_refused(client, data):
    assert client.get("/api/v1/customers/pyramid").status_code == 401
