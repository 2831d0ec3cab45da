"""The fishbone over JSON: read, add, edit with If-Match, delete, history, visibility."""

from __future__ import annotations

from kam.planning.fishbone import services
from kam.planning.fishbone.models import FishboneCause


def test_read_a_deals_fishbone_with_counts_and_history(world, api_as):
    services.add_cause(world.east_opp, by=world.east_rep, bone="competitor", text="Rival cheaper")
    services.add_cause(
        world.east_opp, by=world.east_rep, bone="relationship", text="CFO unknown", status="done"
    )
    body = api_as(world.east_mgr).get(f"/planning/opportunities/{world.east_opp.pk}/fishbone").json()
    assert body["counts"] == {"total": 2, "open": 1, "in_progress": 0, "done": 1}
    assert [c["bone"] for c in body["causes"]] == ["relationship", "competitor"]
    assert len(body["history"]) == 2


def test_add_edit_and_delete_a_cause(world, api_as):
    api = api_as(world.east_rep)
    created = api.post(
        f"/planning/opportunities/{world.east_opp.pk}/fishbone/causes",
        {
            "bone": "service",
            "text": "No local engineer",
            "owner": world.east_rep2.pk,
            "due_date": "2026-12-01",
        },
    )
    assert created.status_code == 201, created.content
    cause = created.json()
    assert cause["owner"]["id"] == world.east_rep2.pk
    assert created["ETag"] == '"1"'
    path = f"/planning/fishbone/causes/{cause['id']}"
    assert api.patch(path, {"status": "in_progress"}).status_code == 428
    assert api.patch(path, {"status": "in_progress"}, if_match=5).status_code == 412
    edited = api.patch(path, {"status": "in_progress"}, if_match=1)
    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    assert api.patch(path, {"text": None}, if_match=2).status_code == 422
    deleted = api.client.delete("/api/v1" + path, **api._headers(2))
    assert deleted.status_code == 204
    assert not FishboneCause.objects.exists()


def test_bad_input_is_a_422_with_field_messages(world, api_as):
    api = api_as(world.east_rep)
    response = api.post(
        f"/planning/opportunities/{world.east_opp.pk}/fishbone/causes", {"bone": "luck", "text": ""}
    )
    assert response.status_code == 422
    assert not FishboneCause.objects.exists()
    response = api.post(
        f"/planning/opportunities/{world.east_opp.pk}/fishbone/causes",
        {"bone": "service", "text": "x", "owner": 999999},
    )
    assert response.status_code == 422
    assert "owner" in response.json()["errors"]


def test_another_teams_fishbone_and_causes_are_not_found(world, api_as):
    cause = services.add_cause(world.west_opp, by=world.west_rep, bone="service", text="West secret")
    api = api_as(world.east_rep)
    assert api.get(f"/planning/opportunities/{world.west_opp.pk}/fishbone").status_code == 404
    assert api.get(f"/planning/fishbone/causes/{cause.pk}").status_code == 404
    assert api.patch(f"/planning/fishbone/causes/{cause.pk}", {"text": "x"}, if_match=1).status_code == 404
    assert (
        api.post(
            f"/planning/opportunities/{world.west_opp.pk}/fishbone/causes", {"bone": "service", "text": "x"}
        )
    ).status_code == 404
    assert api_as(world.director).get(f"/planning/fishbone/causes/{cause.pk}").status_code == 200
