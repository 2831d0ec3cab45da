"""The coverage net and relationship history over JSON: the data the charts draw."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.relationships.coverage import history as history_selectors
from tests.factories import ContactFactory, CustomerFactory, make_opportunity
from tests.relationships.coverage.conftest import at, build_organisation, give_role, set_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def east(world):
    w = world
    w.gm = ContactFactory(customer=w.east_customer, name="Zhang Wei", rank="high", influence=5)
    w.cto = ContactFactory(customer=w.east_customer, name="Li Na", rank="mid_high", influence=4)
    w.clerk = ContactFactory(customer=w.east_customer, name="Zhou Min", rank="low", influence=2)
    return w


def get(client, user, path, params=None):
    client.force_login(user)
    return client.get("/api/v1" + path, params or {})


def test_coverage_net_json_holds_people_contacts_cells_and_findings(client, east):
    set_level(east.gm, east.east_rep, 2, when=at(2026, 1, 5))
    set_level(east.gm, east.east_rep, 1, when=at(2026, 2, 7))
    set_level(east.clerk, east.east_rep, 3)

    response = get(client, east.east_rep, f"/customers/{east.east_customer.pk}/coverage-net")

    assert response.status_code == 200
    data = response.json()
    assert [p["name"] for p in data["people"]] == [str(east.east_rep)]
    assert data["people"][0]["is_owner"] and data["people"][0]["relationships"] == 2
    assert [c["name"] for c in data["contacts"]] == ["Zhang Wei", "Li Na"]
    assert data["contacts"][0]["company_level"] == 1
    assert data["contacts"][0]["key_reasons"] == ["rank High", "influence 5"]
    assert data["cells"] == [
        {
            "person": east.east_rep.pk,
            "contact": east.gm.pk,
            "level": 1,
            "changed_at": data["cells"][0]["changed_at"],
        }
    ]
    assert timezone.localtime(dt.datetime.fromisoformat(data["cells"][0]["changed_at"])).date() == dt.date(
        2026, 2, 7
    )
    assert data["single_threaded"]["id"] == east.east_rep.pk
    assert [c["name"] for c in data["uncovered"]] == ["Li Na"]
    assert data["top_rank_below_target"] == [{"id": east.gm.pk, "name": "Zhang Wei", "company_level": 1}]
    assert {h["kind"] for h in data["highlights"]} == {
        "single_threaded",
        "uncovered",
        "top_rank_below_target",
    }
    assert (data["total_contacts"], data["key_contacts"], data["all"]) == (3, 2, False)


def test_coverage_net_all_returns_every_contact(client, east):
    data = get(
        client, east.east_rep, f"/customers/{east.east_customer.pk}/coverage-net", {"all": "true"}
    ).json()
    assert {c["name"]: c["key"] for c in data["contacts"]} == {
        "Zhang Wei": True,
        "Li Na": True,
        "Zhou Min": False,
    }
    assert data["all"] is True


def test_coverage_net_key_contact_by_an_open_decision_role(client, east):
    give_role(east.east_opp, east.clerk, "coach")
    data = get(client, east.east_rep, f"/customers/{east.east_customer.pk}/coverage-net").json()
    clerk = next(c for c in data["contacts"] if c["name"] == "Zhou Min")
    assert clerk["roles"] == ["coach"] and clerk["key_reasons"] == ["Coach"]


def test_relationship_history_json_is_newest_first_filtered_and_paged(client, east):
    set_level(east.gm, east.east_rep, 2, when=at(2026, 1, 1), note="one")
    set_level(east.gm, east.east_rep2, 3, when=at(2026, 1, 2), by=east.east_mgr, note="two")
    set_level(east.cto, east.east_rep, 4, when=at(2026, 1, 3), note="three")
    path = f"/customers/{east.east_customer.pk}/relationship-history"

    data = get(client, east.east_rep, path).json()
    assert data["count"] == 3
    assert [i["note"] for i in data["items"]] == ["three", "two", "one"]
    two = data["items"][1]
    assert (two["person"]["id"], two["changed_by"]["id"], two["from_level"], two["to_level"]) == (
        east.east_rep2.pk,
        east.east_mgr.pk,
        None,
        3,
    )
    assert [i["note"] for i in get(client, east.east_rep, path, {"contact": east.gm.pk}).json()["items"]] == [
        "two",
        "one",
    ]
    assert [
        i["note"] for i in get(client, east.east_rep, path, {"person": east.east_rep.pk}).json()["items"]
    ] == [
        "three",
        "one",
    ]
    page = get(client, east.east_rep, path, {"limit": 1, "offset": 1}).json()
    assert (page["count"], [i["note"] for i in page["items"]]) == (3, ["two"])


def test_relationship_history_refuses_a_page_size_over_200(client, east):
    path = f"/customers/{east.east_customer.pk}/relationship-history"
    assert get(client, east.east_rep, path, {"limit": 201}).status_code == 422


def test_level_history_json_steps_and_company_series_including_a_drop(client, east):
    set_level(east.gm, east.east_rep, 3, when=at(2026, 1, 1))
    set_level(east.gm, east.east_rep2, 2, when=at(2026, 2, 1))
    set_level(east.gm, east.east_rep, 1, when=at(2026, 3, 1))

    data = get(client, east.east_rep, f"/contacts/{east.gm.pk}/level-history").json()

    def days(points):
        return [
            (timezone.localtime(dt.datetime.fromisoformat(p["at"])).date().isoformat(), p["level"])
            for p in points
        ]

    series = {s["person"]["id"]: days(s["points"]) for s in data["people"]}
    assert series == {
        east.east_rep.pk: [("2026-01-01", 3), ("2026-03-01", 1)],
        east.east_rep2.pk: [("2026-02-01", 2)],
    }
    assert days(data["company"]) == [("2026-01-01", 3), ("2026-02-01", 3), ("2026-03-01", 2)]
    assert data["contact"] == {"id": east.gm.pk, "name": "Zhang Wei"}


def test_coverage_history_json_against_a_hand_computed_history(client, east):
    # Place the changes in the last three months relative to today, so the endpoint's own "now" applies.
    starts = history_selectors.month_starts(3, timezone.now())
    set_level(east.gm, east.east_rep, 1, when=starts[0] + dt.timedelta(days=2))
    set_level(east.gm, east.east_rep, 3, when=starts[1] + dt.timedelta(days=2))
    set_level(east.cto, east.east_rep2, 2, when=starts[1] + dt.timedelta(hours=1))
    set_level(east.clerk, east.east_rep2, 5, when=starts[1] + dt.timedelta(hours=2))
    set_level(east.gm, east.east_rep, 2, when=starts[2] - dt.timedelta(minutes=1))

    data = get(
        client, east.east_rep, f"/customers/{east.east_customer.pk}/coverage-history", {"months": 3}
    ).json()

    assert data["contacts_counted"] == 2
    assert [(m["at_target"], m["covered"], m["people"]) for m in data["months"]] == [
        (0, 1, 1),
        (0, 2, 2),
        (0, 2, 2),
    ]
    assert [m["month"] for m in data["months"]] == [timezone.localtime(s).strftime("%Y-%m") for s in starts]

    every = get(
        client,
        east.east_rep,
        f"/customers/{east.east_customer.pk}/coverage-history",
        {"months": 3, "all": "true"},
    ).json()
    assert every["contacts_counted"] == 3
    assert [(m["at_target"], m["covered"]) for m in every["months"]] == [(0, 1), (1, 3), (1, 3)]


@pytest.mark.parametrize("months", [0, 61])
def test_coverage_history_refuses_months_out_of_range(client, east, months):
    path = f"/customers/{east.east_customer.pk}/coverage-history"
    assert get(client, east.east_rep, path, {"months": months}).status_code == 422


# --- visibility -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "/customers/{customer}/coverage-net",
        "/customers/{customer}/relationship-history",
        "/customers/{customer}/coverage-history",
        "/contacts/{contact}/level-history",
    ],
)
def test_a_rep_of_another_team_gets_a_json_404_on_every_endpoint(client, east, template):
    path = template.format(customer=east.east_customer.pk, contact=east.gm.pk)

    response = get(client, east.west_rep, path)
    assert response.status_code == 404
    assert response.json() == {"detail": "not_found"}
    assert get(client, east.east_rep, path).status_code == 200


def test_endpoints_need_authentication(client, east):
    response = client.get(f"/api/v1/customers/{east.east_customer.pk}/coverage-net")
    assert response.status_code == 401


# --- query counts -----------------------------------------------------------------------------------


def count(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1" + path, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_endpoint_query_counts_do_not_grow_with_the_organisation(client, world):
    small = CustomerFactory(owner=world.east_rep, name="Small Co")
    large = CustomerFactory(owner=world.east_rep, name="Large Co")
    small_contacts = build_organisation(small, world.east_rep, 5, world.east_rep2)
    large_contacts = build_organisation(large, world.east_rep, 60, world.east_rep2)
    for customer, contacts in ((small, small_contacts), (large, large_contacts)):
        opp = make_opportunity(owner=world.east_rep, customer=customer, name=f"Deal {customer.pk}")
        for contact in contacts[:5]:
            give_role(opp, contact, "user")
    # One contact with a long history against one with a short one.
    for i in range(20):
        set_level(large_contacts[0], world.east_mgr, 1 + i % 5)
    client.force_login(world.east_mgr)

    for suffix, params in (
        ("coverage-net", {}),
        ("coverage-net", {"all": "true"}),
        ("relationship-history", {}),
        ("coverage-history", {"months": 24}),
        ("coverage-history", {"all": "true"}),
    ):
        assert count(client, f"/customers/{small.pk}/{suffix}", params) == count(
            client, f"/customers/{large.pk}/{suffix}", params
        ), suffix
    assert count(client, f"/contacts/{small_contacts[0].pk}/level-history") == count(
        client, f"/contacts/{large_contacts[0].pk}/level-history"
    )


def test_coverage_endpoints_are_in_the_openapi_document(client, east):
    client.force_login(east.east_rep)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/customers/{customer_id}/coverage-net",
        "/api/v1/customers/{customer_id}/relationship-history",
        "/api/v1/customers/{customer_id}/coverage-history",
        "/api/v1/contacts/{contact_id}/level-history",
    ):
        assert "get" in paths[path], path
