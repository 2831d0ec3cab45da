"""The activities API: list with filters and a pinned query count, get, create (with a level
change), patch with If-Match, delete; visibility as for the customer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.activities import services
from kam.activities.models import Activity
from kam.relationships.models import Relationship
from tests.activities.conftest import hours_ago
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_create_get_patch_delete(api_as, world, visit):
    contact = ContactFactory(customer=world.east_customer)
    api = api_as(world.east_rep)
    created = api.post(
        "/activities",
        {
            "kind": "visit",
            "customer": world.east_customer.pk,
            "start": hours_ago(2).isoformat(),
            "summary": "API visit",
            "opportunity": world.east_opp.pk,
            "contacts": [contact.pk],
            "level_changes": {str(contact.pk): 2},
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["kind"]["code"] == "visit" and body["contacts"][0]["id"] == contact.pk
    assert body["history"][0]["action"] == "created"
    assert Relationship.objects.get(contact=contact).level == 2
    pk = body["id"]
    got = api.get(f"/activities/{pk}")
    assert got.status_code == 200 and got["ETag"] == '"1"'
    assert api.patch(f"/activities/{pk}", {"summary": "x"}).status_code == 428
    patched = api.patch(
        f"/activities/{pk}", {"summary": "API visit, edited", "duration_minutes": 30}, if_match=1
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["version"] == 2
    assert patched.json()["history"][0]["changes"]["summary"] == ["API visit", "API visit, edited"]
    assert api.patch(f"/activities/{pk}", {"summary": "stale"}, if_match=1).status_code == 412
    raised = api.patch(f"/activities/{pk}", {"level_changes": {str(contact.pk): 4}}, if_match=2)
    assert raised.status_code == 200, raised.json()
    assert Relationship.objects.get(contact=contact).level == 4
    assert api.patch(f"/activities/{pk}", {"summary": None}, if_match=2).status_code == 422
    deleted = api.client.delete(f"/api/v1/activities/{pk}", **api._headers())
    assert deleted.status_code == 204
    assert not Activity.objects.exists()


def test_validation_errors_are_per_field(api_as, world, visit):
    api = api_as(world.east_rep)
    response = api.post(
        "/activities",
        {
            "kind": visit.pk,
            "customer": world.east_customer.pk,
            "start": (timezone.now() + dt.timedelta(days=3)).isoformat(),
            "summary": "Future",
            "duration_minutes": 60,
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"start"}
    # Another rep's deal is not one the caller can see.
    other = api.post(
        "/activities",
        {
            "kind": "visit",
            "customer": world.east_customer.pk,
            "start": hours_ago(1).isoformat(),
            "summary": "x",
            "opportunity": world.east_opp2.pk,
        },
    )
    assert set(other.json()["errors"]) == {"opportunity"}
    unknown = api.post(
        "/activities",
        {
            "kind": "visit",
            "customer": world.east_customer.pk,
            "start": hours_ago(1).isoformat(),
            "summary": "x",
            "colour": 1,
        },
    )
    assert unknown.status_code == 422


def test_another_teams_activities_are_404_and_not_listed(api_as, world, visit):
    theirs = services.create_activity(
        by=world.west_rep, kind=visit, customer=world.west_customer, start=hours_ago(1), summary="West"
    )
    api = api_as(world.east_rep)
    assert api.get(f"/activities/{theirs.pk}").status_code == 404
    assert api.patch(f"/activities/{theirs.pk}", {"summary": "x"}, if_match=1).status_code == 404
    assert api.client.delete(f"/api/v1/activities/{theirs.pk}", **api._headers()).status_code == 404
    assert api.get("/activities").json()["count"] == 0
    assert (
        api.post(
            "/activities",
            {
                "kind": "visit",
                "customer": world.west_customer.pk,
                "start": hours_ago(1).isoformat(),
                "summary": "x",
            },
        ).status_code
        == 422
    )


def test_list_filters_and_keeps_its_query_count(api_as, world, visit, call, django_assert_max_num_queries):
    contact = ContactFactory(customer=world.east_customer)
    for i in range(25):
        services.create_activity(
            by=world.east_rep,
            kind=visit,
            customer=world.east_customer,
            start=hours_ago(i + 1),
            summary=f"V{i}",
            contacts=[contact],
            our_people=[world.east_rep2],
        )
    services.create_activity(
        by=world.east_rep, kind=call, customer=world.east_customer, start=hours_ago(1), summary="C"
    )
    api = api_as(world.east_mgr)
    # Token, its user (and last-used), the manager's teams (2), count, rows, contacts, our people.
    with django_assert_max_num_queries(10):
        response = api.get("/activities", {"limit": 20})
    body = response.json()
    assert body["count"] == 26 and len(body["items"]) == 20
    assert [i["summary"] for i in api.get("/activities", {"kind": call.pk}).json()["items"]] == ["C"]
    assert api.get("/activities", {"contact": contact.pk}).json()["count"] == 25
    oldest = api.get("/activities", {"sort": "start", "limit": 1}).json()["items"][0]
    assert oldest["summary"] == "V24"
    assert api.get("/activities", {"status": "nonsense"}).status_code == 422
