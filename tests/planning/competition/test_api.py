from __future__ import annotations

import pytest

from kam.planning.competition.models import CompetitorSupporter

pytestmark = pytest.mark.django_db


def grid_path(deal):
    return f"/planning/opportunities/{deal.deal.pk}/competition"


def test_get_the_grid_with_its_etag(deal, api_as, dimensions):
    response = api_as(deal.east_rep).get(grid_path(deal))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert [s["competitor"]["name"] if s["competitor"] else None for s in body["sides"]] == [
        None,
        "Alpha Systems",
        "Beta Tech",
    ]
    assert len(body["dimensions"]) == 8


def test_saving_cells_needs_if_match_and_refuses_a_stale_one(deal, api_as, dimensions):
    api = api_as(deal.east_rep)
    body = {"cells": [{"dimension": dimensions[0].pk, "competitor": None, "score": 4, "note": "brand"}]}
    assert (
        api.client.put(
            "/api/v1" + grid_path(deal) + "/cells", body, content_type="application/json", **api._headers()
        ).status_code
        == 428
    )
    ok = api.client.put(
        "/api/v1" + grid_path(deal) + "/cells",
        body,
        content_type="application/json",
        **api._headers(if_match=1),
    )
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    assert ok.json()["cells"][0]["score"] == 4
    stale = api.client.put(
        "/api/v1" + grid_path(deal) + "/cells",
        body,
        content_type="application/json",
        **api._headers(if_match=1),
    )
    assert stale.status_code == 412


def test_a_score_out_of_range_is_a_422(deal, api_as, dimensions):
    api = api_as(deal.east_rep)
    body = {"cells": [{"dimension": dimensions[0].pk, "score": 7}]}
    response = api.client.put(
        "/api/v1" + grid_path(deal) + "/cells",
        body,
        content_type="application/json",
        **api._headers(if_match=1),
    )
    assert response.status_code == 422


def test_the_grid_is_404_outside_the_callers_view(deal, api_as):
    assert api_as(deal.west_rep).get(grid_path(deal)).status_code == 404


def test_add_a_competitor_and_mark_a_supporter(deal, api_as):
    api = api_as(deal.east_rep)
    added = api.post(grid_path(deal) + "/competitors", {"new_name": "Gamma"})
    assert added.status_code == 201
    gamma = next(
        s["competitor"]
        for s in added.json()["sides"]
        if s["competitor"] and s["competitor"]["name"] == "Gamma"
    )
    marked = api.post(grid_path(deal) + "/supporters", {"contact": deal.li.pk, "competitor": gamma["id"]})
    assert marked.status_code == 201
    assert marked.json()["supporters"][0]["contact"]["name"] == "Li"
    supporter = CompetitorSupporter.objects.get()
    deleted = api.client.delete(f"/api/v1{grid_path(deal)}/supporters/{supporter.pk}", **api._headers())
    assert deleted.status_code == 204
    assert not CompetitorSupporter.objects.exists()


def test_marking_someone_outside_the_chain_is_a_422(deal, api_as):
    from tests.factories import ContactFactory

    stranger = ContactFactory(customer=deal.deal.customer)
    response = api_as(deal.east_rep).post(
        grid_path(deal) + "/supporters", {"contact": stranger.pk, "competitor": deal.alpha.pk}
    )
    assert response.status_code == 422
    assert "contact" in response.json()["errors"]


def test_the_directory_create_read_and_versioned_edit(world, api_as):
    api = api_as(world.east_rep)
    created = api.post("/planning/competitors", {"name": "Gamma", "headquarters": "Shenzhen"})
    assert created.status_code == 201
    competitor_id = created.json()["id"]
    listed = api.get("/planning/competitors", {"search": "gam"}).json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "Gamma"
    read = api.get(f"/planning/competitors/{competitor_id}")
    assert read.json()["record"]["overall"]["won"]["count"] == 0
    assert api.patch(f"/planning/competitors/{competitor_id}", {"notes": "x"}).status_code == 428
    edited = api.patch(f"/planning/competitors/{competitor_id}", {"notes": "Cheap"}, if_match=read["ETag"])
    assert edited.status_code == 200 and edited.json()["notes"] == "Cheap"
    assert api.patch(f"/planning/competitors/{competitor_id}", {"notes": "y"}, if_match=1).status_code == 412
    duplicate = api.post("/planning/competitors", {"name": "gamma"})
    assert duplicate.status_code == 422
