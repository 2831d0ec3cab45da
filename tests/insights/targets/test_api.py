"""Targets over JSON: create, change with If-Match, delete; who may set and see them; field messages."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kam.org.models import Target
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


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
