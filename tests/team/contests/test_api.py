from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.team.contests.models import Contest

pytestmark = pytest.mark.django_db


def _body(w, **overrides):
    today = timezone.localdate()
    body = {
        "name": "Q3 sprint",
        "period_start": (today - dt.timedelta(days=5)).isoformat(),
        "period_end": (today + dt.timedelta(days=5)).isoformat(),
        "metric": "won_amount",
        "participant_kind": "people",
        "people": [w.east_rep.pk, w.east_rep2.pk],
        "bonuses": [{"rank": 1, "bonus": "5000"}, {"rank": 2, "bonus": "1000"}],
    }
    body.update(overrides)
    return body


def test_manager_creates_and_participants_read_the_ranking(world, api_as):
    created = api_as(world.east_mgr).post("/team/contests", _body(world))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["state"] == "running"
    assert [row["rank"] for row in data["ranking"]] == [1, 1]
    assert created["ETag"] == '"1"'
    rep = api_as(world.east_rep)
    assert [c["id"] for c in rep.get("/team/contests").json()] == [data["id"]]
    detail = rep.get(f"/team/contests/{data['id']}").json()
    assert [b["rank"] for b in detail["bonuses"]] == [1, 2]
    assert api_as(world.west_rep).get(f"/team/contests/{data['id']}").status_code == 404


def test_reps_cannot_create_and_managers_only_for_their_teams(world, api_as):
    assert api_as(world.east_rep).post("/team/contests", _body(world)).status_code == 403
    refused = api_as(world.east_mgr).post(
        "/team/contests", _body(world, participant_kind="teams", people=[], teams=[world.west.pk])
    )
    assert refused.status_code == 422
    assert "teams" in refused.json()["errors"]
    assert not Contest.objects.exists()


def test_update_needs_if_match(world, api_as):
    manager = api_as(world.east_mgr)
    contest = manager.post("/team/contests", _body(world)).json()
    path = f"/team/contests/{contest['id']}"
    assert manager.patch(path, {"name": "Renamed"}).status_code == 428
    assert manager.patch(path, {"name": "Renamed"}, if_match=7).status_code == 412
    changed = manager.patch(path, {"name": "Renamed", "bonuses": [{"rank": 1, "bonus": "9000"}]}, if_match=1)
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Renamed"
    assert [(b["rank"], Decimal(b["bonus"])) for b in changed.json()["bonuses"]] == [(1, Decimal("9000"))]
    assert changed["ETag"] == '"2"'
    assert api_as(world.east_rep).patch(path, {"name": "Mine"}, if_match=2).status_code == 403


def test_finishing_before_the_end_is_refused(world, api_as):
    manager = api_as(world.east_mgr)
    contest = manager.post("/team/contests", _body(world)).json()
    response = manager.post(f"/team/contests/{contest['id']}/finish", {}, if_match=1)
    assert response.status_code == 422


def test_a_non_number_id_is_a_404(world, api_as):
    assert api_as(world.east_rep).get("/team/contests/abc").status_code == 404
