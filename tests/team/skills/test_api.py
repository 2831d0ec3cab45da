"""Skills and training over JSON: the matrix, placements and levels as history, gaps, training from a
gap, If-Match on edits, administrators' catalogue, and 404 for people outside the caller's view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.team.skills import services
from kam.team.skills.models import Skill, TrainingItem

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_place_and_read_the_matrix(world, api_as):
    api = api_as(world.east_mgr)
    created = api.post(
        f"/team/skills/people/{world.east_rep.pk}/placements", {"ability": "able", "attitude": "unwilling"}
    )
    assert created.status_code == 201
    assert created.json()["current"] is True and created.json()["on"] == TODAY().isoformat()
    body = api.get("/team/skills/matrix").json()
    cell = next(c for c in body["cells"] if (c["ability"], c["attitude"]) == ("able", "unwilling"))
    assert [p["person"]["id"] for p in cell["people"]] == [world.east_rep.pk]
    assert "Motivate" in cell["treatment"]["advice_en"]
    assert {p["id"] for p in body["unplaced"]} == {world.east_rep2.pk}
    assert len(body["cells"]) == 6


def test_levels_gaps_and_a_training_item_from_a_gap(world, api_as):
    api = api_as(world.east_mgr)
    negotiation = Skill.objects.get(code="negotiation")
    base = f"/team/skills/people/{world.east_rep.pk}"
    assert api.post(base + "/levels", {"skill": negotiation.pk, "level": 1}).status_code == 201
    gaps = api.get(base + "/gaps").json()
    first = gaps["gaps"][0]
    assert (first["skill"]["id"], first["gap"], first["quadrant"]) == (negotiation.pk, "3", "train_first")
    planned = api.post(base + "/training/from-gap", {"skill": negotiation.pk})
    assert planned.status_code == 201 and planned["ETag"] == '"1"'
    again = api.post(base + "/training/from-gap", {"skill": negotiation.pk})
    assert again.status_code == 409 and again.json()["detail"] == "rule_violation"
    person = api.get(base).json()
    assert person["can_assess"] is True
    assert [t["skill"]["id"] for t in person["training"]] == [negotiation.pk]
    assert person["gaps"][0]["open_training"] == 1


def test_editing_a_training_item_needs_if_match(world, api_as):
    item = services.add_training_item(
        world.east_rep,
        by=world.east_mgr,
        skill=Skill.objects.get(code="bidding"),
        action="Clinic",
        due=TODAY(),
    )
    api = api_as(world.east_mgr)
    path = f"/team/skills/training/{item.pk}"
    assert api.patch(path, {"status": "done"}).status_code == 428
    assert api.patch(path, {"status": "done"}, if_match=7).status_code == 412
    done = api.patch(path, {"status": "done"}, if_match=1)
    assert done.status_code == 200 and done.json()["done_on"] == TODAY().isoformat()
    assert done["ETag"] == '"2"'
    bad = api.patch(path, {"due": (TODAY() - dt.timedelta(days=1)).isoformat()}, if_match=2)
    assert bad.status_code == 422 and bad.json()["errors"]["due"] == ["The due date cannot be in the past."]


def test_an_overdue_item_reads_as_overdue(world, api_as):
    item = services.add_training_item(
        world.east_rep,
        by=world.east_mgr,
        skill=Skill.objects.get(code="bidding"),
        action="Clinic",
        due=TODAY(),
    )
    TrainingItem.objects.filter(pk=item.pk).update(due=TODAY() - dt.timedelta(days=1))
    training = api_as(world.east_rep).get(f"/team/skills/people/{world.east_rep.pk}").json()["training"]
    assert training[0]["overdue"] is True


def test_validation_messages_per_field(world, api_as):
    api = api_as(world.east_mgr)
    base = f"/team/skills/people/{world.east_rep.pk}"
    future = (TODAY() + dt.timedelta(days=3)).isoformat()
    response = api.post(base + "/placements", {"ability": "able", "attitude": "willing", "on": future})
    assert response.status_code == 422 and response.json()["errors"]["on"] == [
        "The date cannot be in the future."
    ]
    assert api.post(base + "/levels", {"skill": 1, "level": 9}).status_code == 422
    unknown = api.post(base + "/levels", {"skill": 99999, "level": 3})
    assert unknown.status_code == 422 and "skill" in unknown.json()["errors"]


def test_people_outside_the_callers_view_are_404_and_a_rep_reads_only(world, api_as):
    west = api_as(world.west_mgr)
    assert west.get(f"/team/skills/people/{world.east_rep.pk}").status_code == 404
    assert (
        west.post(
            f"/team/skills/people/{world.east_rep.pk}/placements", {"ability": "able", "attitude": "willing"}
        )
    ).status_code == 404
    item = services.add_training_item(
        world.east_rep,
        by=world.east_mgr,
        skill=Skill.objects.get(code="bidding"),
        action="Clinic",
        due=TODAY(),
    )
    assert west.patch(f"/team/skills/training/{item.pk}", {"status": "done"}, if_match=1).status_code == 404
    rep = api_as(world.east_rep)
    own = rep.get(f"/team/skills/people/{world.east_rep.pk}").json()
    assert own["can_assess"] is False
    refused = rep.post(
        f"/team/skills/people/{world.east_rep.pk}/placements", {"ability": "able", "attitude": "willing"}
    )
    assert refused.status_code == 403
    assert rep.get(f"/team/skills/people/{world.east_rep2.pk}").status_code == 404
    assert rep.get(f"/team/skills/teams/{world.west.pk}/gaps").status_code == 404


def test_a_teams_gaps(world, api_as):
    negotiation = Skill.objects.get(code="negotiation")
    services.set_level(world.east_rep, negotiation, by=world.east_mgr, level=2, on=TODAY())
    services.set_level(world.east_rep2, negotiation, by=world.east_mgr, level=4, on=TODAY())
    body = api_as(world.director).get(f"/team/skills/teams/{world.east.pk}/gaps").json()
    row = next(g for g in body["gaps"] if g["skill"]["id"] == negotiation.pk)
    assert (row["level"], row["gap"], row["assessed"], row["below"]) == ("3.0", "1.0", 2, 1)
    assert body["people"] == 3  # the manager and the two reps


def test_only_administrators_change_the_catalogue(world, api_as):
    skill = Skill.objects.get(code="bidding")
    assert (
        api_as(world.director)
        .patch(f"/team/skills/skills/{skill.pk}", {"importance": 5}, if_match=1)
        .status_code
        == 403
    )
    changed = api_as(world.admin).patch(f"/team/skills/skills/{skill.pk}", {"importance": 5}, if_match=1)
    assert changed.status_code == 200 and changed.json()["importance"] == 5 and changed["ETag"] == '"2"'
    treatments = api_as(world.admin).get("/team/skills/treatments").json()
    cell = next(t for t in treatments if t["ability"] == "cannot" and t["attitude"] == "unwilling")
    reworded = api_as(world.admin).patch(
        f"/team/skills/treatments/{cell['id']}",
        {"advice_en": "Replace, with notice"},
        if_match=cell["version"],
    )
    assert reworded.status_code == 200 and reworded.json()["advice_en"] == "Replace, with notice"
