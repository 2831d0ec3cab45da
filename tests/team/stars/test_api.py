"""The star ratings API: schemes, an evaluation's life (create, adjust, publish) with If-Match,
history, distribution, and who may do what."""

from __future__ import annotations

import pytest

from kam.team.stars import services
from kam.team.stars.models import RoleFamily, Scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(world, monkeypatch):
    monkeypatch.setattr("kam.team.stars.metrics.certified_user_ids", lambda on: set())
    for person in (world.east_rep, world.east_rep2, world.west_rep):
        services.assign_family(person, RoleFamily.REGIONAL, by=world.director)
    world.scheme = Scheme.objects.get(family=RoleFamily.REGIONAL, active=True)
    return world


def create(api, world, team=None):
    return api.post(
        "/team/stars/evaluations", {"scheme": world.scheme.pk, "year": 2026, "team": (team or world.east).pk}
    )


def test_schemes_list_the_seeded_ones_with_levels_and_thresholds(rated, api_as):
    body = api_as(rated.east_rep).get("/team/stars/schemes").json()
    assert {s["family"] for s in body} == {"regional", "strategic", "service"}
    regional = next(s for s in body if s["family"] == "regional")
    assert [level["star"] for level in regional["levels"]] == [1, 2, 3, 4, 5]
    assert all(len(c["thresholds"]) == 5 for c in regional["criteria"])
    detail = api_as(rated.east_rep).get(f"/team/stars/schemes/{regional['id']}")
    assert detail.status_code == 200
    assert detail.json()["rule"] == "all"


def test_manager_runs_adjusts_and_publishes_with_if_match(rated, api_as):
    api = api_as(rated.east_mgr)
    created = create(api, rated)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["period_start"] == "2026-01-01" and body["period_end"] == "2026-12-31"
    rating = next(r for r in body["ratings"] if r["person"]["id"] == rated.east_rep.pk)
    path = f"/team/stars/ratings/{rating['id']}/adjust"

    assert api.post(path, {"star": 3, "reason": "Led the bid"}).status_code == 428
    assert api.post(path, {"star": 3, "reason": ""}, if_match=rating["version"]).status_code == 422
    adjusted = api.post(path, {"star": 3, "reason": "Led the bid"}, if_match=rating["version"])
    assert adjusted.status_code == 200
    assert (adjusted.json()["proposed_star"], adjusted.json()["final_star"]) == (1, 3)
    assert api.post(path, {"star": 4, "reason": "x"}, if_match=rating["version"]).status_code == 412

    publish = f"/team/stars/evaluations/{body['id']}/publish"
    assert api.post(publish, {}, if_match=body["version"]).status_code == 200
    history = api_as(rated.east_rep).get(f"/team/stars/people/{rated.east_rep.pk}/history").json()
    assert [(h["final_star"], h["reason"]) for h in history] == [(3, "Led the bid")]
    again = api.get(f"/team/stars/evaluations/{body['id']}").json()
    assert api.post(publish, {}, if_match=again["version"]).status_code == 409


def test_rep_reads_only_their_own_published_history(rated, api_as):
    evaluation = create(api_as(rated.east_mgr), rated).json()
    rep = api_as(rated.east_rep)
    assert rep.get("/team/stars/evaluations").json() == []
    assert rep.get(f"/team/stars/evaluations/{evaluation['id']}").status_code == 404
    assert rep.get(f"/team/stars/people/{rated.east_rep.pk}/history").json() == []  # still a draft
    assert rep.get(f"/team/stars/people/{rated.east_rep2.pk}/history").status_code == 404
    rating = evaluation["ratings"][0]
    adjust = rep.post(f"/team/stars/ratings/{rating['id']}/adjust", {"star": 5, "reason": "me"}, if_match=1)
    assert adjust.status_code == 404


def test_other_teams_manager_neither_sees_nor_creates(rated, api_as):
    evaluation = create(api_as(rated.east_mgr), rated).json()
    west = api_as(rated.west_mgr)
    assert west.get(f"/team/stars/evaluations/{evaluation['id']}").status_code == 404
    assert create(west, rated).status_code == 403
    assert west.get(f"/team/stars/people/{rated.east_rep.pk}/history").status_code == 404


def test_quarterly_scheme_needs_a_quarter(rated, api_as):
    Scheme.objects.filter(pk=rated.scheme.pk).update(period="quarter")
    api = api_as(rated.director)
    assert api.post("/team/stars/evaluations", {"scheme": rated.scheme.pk, "year": 2026}).status_code == 422
    made = api.post("/team/stars/evaluations", {"scheme": rated.scheme.pk, "year": 2026, "quarter": 2})
    assert (made.json()["period_start"], made.json()["period_end"]) == ("2026-04-01", "2026-06-30")
    assert len(made.json()["ratings"]) == 3  # the whole company


def test_distribution_and_family(rated, api_as):
    api = api_as(rated.director)
    body = api.post("/team/stars/evaluations", {"scheme": rated.scheme.pk, "year": 2025}).json()
    api.post(f"/team/stars/evaluations/{body['id']}/publish", {}, if_match=body["version"])
    dist = api.get("/team/stars/distribution", {"on": "2026-01-01"}).json()
    assert dist["totals"][1] == 3
    assert (
        api_as(rated.east_rep).get(f"/team/stars/people/{rated.east_rep.pk}/family").json()["family"]
        == "regional"
    )
    moved = api_as(rated.east_mgr).client.put(
        f"/api/v1/team/stars/people/{rated.east_rep.pk}/family",
        '{"family": "strategic"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_as(rated.east_mgr).raw}",
    )
    assert moved.status_code == 200 and moved.json()["family"] == "strategic"


def test_evaluation_detail_query_count_does_not_grow_with_people(
    rated, api_as, django_assert_max_num_queries
):
    api = api_as(rated.director)
    body = api.post("/team/stars/evaluations", {"scheme": rated.scheme.pk, "year": 2026}).json()
    with django_assert_max_num_queries(12):
        assert api.get(f"/team/stars/evaluations/{body['id']}").status_code == 200
