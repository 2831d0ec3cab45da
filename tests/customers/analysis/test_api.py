"""/api/v1/customers/{id}/analysis: latest with ETag, revisions, and saves with If-Match."""

from __future__ import annotations

import pytest

from kam.customers.analysis import selectors as analysis_selectors
from kam.customers.analysis import services as analysis
from kam.customers.models import CustomerAnalysis, CustomerChange


def path(customer) -> str:
    return f"/customers/{customer.pk}/analysis"


def test_no_analysis_yet_is_revision_zero_with_empty_fields(api_as, world):
    response = api_as(world.east_rep).get(path(world.east_customer))
    assert response.status_code == 200
    assert response["ETag"] == '"0"'
    body = response.json()
    assert (body["revision"], body["created_by"], body["created_at"]) == (0, None, None)
    assert all(body[name] == "" for name in analysis_selectors.FIELDS)


def test_first_save_needs_if_match_zero_and_makes_revision_one(api_as, world):
    client = api_as(world.east_rep)
    response = client.post(path(world.east_customer), {"needs_history": "Yearly tender"}, if_match=0)
    assert response.status_code == 201
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["revision"], body["created"], body["changed"]) == (1, True, ["needs_history"])
    assert body["created_by"]["id"] == world.east_rep.pk
    read = client.get(path(world.east_customer))
    assert (read["ETag"], read.json()["needs_history"]) == ('"1"', "Yearly tender")


def test_without_if_match_is_428(api_as, world):
    response = api_as(world.east_rep).post(path(world.east_customer), {"finances": "Sound"})
    assert response.status_code == 428
    assert response.json()["detail"] == "precondition_required"
    assert not CustomerAnalysis.objects.exists()


def test_stale_if_match_is_412_naming_the_current_revision(api_as, world):
    analysis.save_analysis(world.east_customer, by=world.east_mgr, base_revision=0, finances="Tight")
    response = api_as(world.east_rep).post(path(world.east_customer), {"finances": "Sound"}, if_match=0)
    assert response.status_code == 412
    body = response.json()
    assert (body["detail"], body["current_version"]) == ("conflict", 1)
    assert "saved revision 1" in body["message"]
    assert analysis_selectors.latest_analysis(world.east_customer).finances == "Tight"


def test_stale_wins_over_a_bad_choice(api_as, world):
    analysis.save_analysis(world.east_customer, by=world.east_mgr, base_revision=0, finances="Tight")
    response = api_as(world.east_rep).post(path(world.east_customer), {"decision_mode": "vote"}, if_match=0)
    assert response.status_code == 412


def test_unreadable_if_match_is_412(api_as, world):
    response = api_as(world.east_rep).post(path(world.east_customer), {"finances": "x"}, if_match="*")
    assert response.status_code == 412
    assert response.json()["current_version"] == 0


@pytest.mark.parametrize(
    "field", ["purchase_speed", "decision_mode", "price_attention", "competition_attention"]
)
def test_bad_choice_is_422_on_the_field(api_as, world, field):
    response = api_as(world.east_rep).post(path(world.east_customer), {field: "sometimes"}, if_match=0)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert not CustomerAnalysis.objects.exists()


def test_unknown_field_is_422(api_as, world):
    response = api_as(world.east_rep).post(path(world.east_customer), {"mood": "good"}, if_match=0)
    assert response.status_code == 422
    assert "mood" in response.json()["errors"]


def test_nothing_changed_is_200_without_a_revision(api_as, world):
    analysis.save_analysis(world.east_customer, by=world.east_rep, base_revision=0, finances="Sound")
    history = CustomerChange.objects.filter(customer=world.east_customer).count()
    response = api_as(world.east_rep).post(path(world.east_customer), {"finances": "Sound"}, if_match=1)
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["revision"], response["ETag"]) == (False, 1, '"1"')
    assert CustomerAnalysis.objects.count() == 1
    assert CustomerChange.objects.filter(customer=world.east_customer).count() == history


def test_null_empties_a_field_and_left_out_fields_keep_theirs(api_as, world):
    analysis.save_analysis(
        world.east_customer, by=world.east_rep, base_revision=0, finances="Sound", purchase_speed="price"
    )
    response = api_as(world.east_rep).post(
        path(world.east_customer), {"purchase_speed": None, "direction": "Export"}, if_match=1
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["finances"], body["purchase_speed"], body["direction"]) == ("Sound", "", "Export")


def test_revisions_are_paginated_newest_first_with_changes(api_as, world):
    customer = world.east_customer
    analysis.save_analysis(customer, by=world.east_rep, base_revision=0, purchase_speed="price")
    analysis.save_analysis(customer, by=world.east_mgr, base_revision=1, purchase_speed="balanced")
    analysis.save_analysis(customer, by=world.east_rep, base_revision=2, reputation="Good")
    client = api_as(world.east_rep)
    body = client.get(f"{path(customer)}/revisions", {"limit": 2}).json()
    assert body["count"] == 3
    assert [item["revision"] for item in body["items"]] == [3, 2]
    assert body["items"][1]["changes"] == [{"field": "purchase_speed", "old": "price", "new": "balanced"}]
    assert body["items"][1]["created_by"]["id"] == world.east_mgr.pk
    rest = client.get(f"{path(customer)}/revisions", {"limit": 2, "offset": 2}).json()
    assert [item["revision"] for item in rest["items"]] == [1]
    assert rest["items"][0]["changes"] == [{"field": "purchase_speed", "old": "", "new": "price"}]
    assert client.get(f"{path(customer)}/revisions", {"limit": 500}).status_code == 422


@pytest.mark.parametrize("suffix", ["", "/revisions"])
def test_rep_of_another_team_gets_404(api_as, world, suffix):
    assert api_as(world.west_rep).get(path(world.east_customer) + suffix).status_code == 404


def test_rep_of_another_team_cannot_save(api_as, world):
    response = api_as(world.west_rep).post(path(world.east_customer), {"finances": "Mine"}, if_match=0)
    assert response.status_code == 404
    assert not CustomerAnalysis.objects.exists()


def test_revisions_query_count_does_not_grow(api_as, world, django_assert_max_num_queries):
    customer = world.east_customer
    client = api_as(world.east_rep)
    for revision in range(2):
        analysis.save_analysis(customer, by=world.east_rep, base_revision=revision, finances=f"v{revision}")
    with django_assert_max_num_queries(6):
        client.get(f"{path(customer)}/revisions")
    for revision in range(2, 30):
        analysis.save_analysis(customer, by=world.east_rep, base_revision=revision, finances=f"v{revision}")
    with django_assert_max_num_queries(6):
        assert client.get(f"{path(customer)}/revisions").json()["count"] == 30
