"""Visit policy over JSON: the rows (managers edit, If-Match), demand against capacity, the §10
what-if, selling hours and the under-visited list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kam.activities.models import VisitPolicy
from kam.customers.models import Tier
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_rows_are_listed_and_edited_by_managers_with_if_match(world, api_as):
    rows = api_as(world.east_rep).get("/activities/visit-policies").json()["items"]
    assert [(r["tier"], r["visits"], r["period_months"]) for r in rows] == [
        ("A", 4, 1),
        ("B", 2, 1),
        ("C", 1, 3),
        ("D", 1, 6),
    ]
    b = VisitPolicy.objects.get(tier=Tier.B)
    assert (
        api_as(world.east_rep)
        .patch(f"/activities/visit-policies/{b.pk}", {"visits": 3}, if_match=1)
        .status_code
        == 403
    )
    manager = api_as(world.east_mgr)
    assert manager.patch(f"/activities/visit-policies/{b.pk}", {"visits": 3}).status_code == 428
    changed = manager.patch(f"/activities/visit-policies/{b.pk}", {"visits": 3}, if_match=1)
    assert changed.status_code == 200 and changed.json()["visits"] == 3 and changed["ETag"] == '"2"'
    assert manager.patch(f"/activities/visit-policies/{b.pk}", {"visits": 5}, if_match=1).status_code == 412
    bad = manager.patch(f"/activities/visit-policies/{b.pk}", {"hours_per_visit": "0.333"}, if_match=2)
    assert bad.status_code == 422


def test_demand_and_the_section_ten_what_if(world, api_as):
    CustomerFactory(owner=world.east_rep, tier=Tier.C)
    api = api_as(world.director)
    demand = api.get("/activities/demand", {"team": world.east.pk}).json()
    assert Decimal(demand["total"]["capacity_hours"]) == Decimal(240)
    body = api.post(
        "/activities/demand/what-if",
        {
            "team": world.east.pk,
            "policies": [
                {"tier": "A", "visits": 4, "period_months": 1, "hours_per_visit": "3"},
                {"tier": "B", "visits": 2, "period_months": 1, "hours_per_visit": "1"},
                {"tier": "C", "visits": 1, "period_months": 3, "hours_per_visit": "0.3333"},
            ],
        },
    )
    assert body.status_code == 200, body.content
    tried = {p["policy"]["tier"]: p for p in body.json()["tried"]["policies"]}
    assert Decimal(tried["C"]["demand_hours"]) == Decimal("0.11")  # one C customer: 1/3 × 0.3333 h
    # D has no row in the what-if: its customers are uncovered there, not in the stored policy.
    assert body.json()["tried"]["uncovered_customers"] == 2
    assert body.json()["current"]["uncovered_customers"] == 0
    assert VisitPolicy.objects.get(tier=Tier.C).hours_per_visit == Decimal("0.33")


def test_selling_hours_are_set_by_the_manager(world, api_as):
    # ApiClient has no put(): the test client is called with the same bearer token.
    client = api_as(world.east_mgr)
    response = client.client.put(
        f"/api/v1/activities/selling-capacity/{world.east_rep.pk}",
        '{"hours_per_month": "64.5"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {client.raw}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["hours_per_month"] == "64.5"
    outsider = client.client.put(
        f"/api/v1/activities/selling-capacity/{world.west_rep.pk}",
        '{"hours_per_month": "10"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {client.raw}",
    )
    assert outsider.status_code == 404


def test_under_visited_over_json(world, api_as, django_assert_max_num_queries):
    for i in range(3):
        CustomerFactory(name=f"Quiet {i}", owner=world.west_rep, tier=Tier.A)
    api = api_as(world.west_mgr)
    # A fixed number, however long the list.
    with django_assert_max_num_queries(9):
        body = api.get("/activities/under-visited", {"tier": "A", "limit": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    first = body["items"][0]
    assert (first["tier"], first["required"], first["done"], first["gap"]) == ("A", 4, 0, 4)
    assert api.get("/activities/under-visited", {"periods": 13}).status_code == 422
    assert api.get("/activities/under-visited", {"owner": world.east_rep.pk}).status_code == 422
