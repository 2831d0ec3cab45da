"""Fishbone causes: added on a bone, edited with their version, deleted, each change in the history;
visibility decides who may work on a deal's fishbone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from kam.core.errors import ConflictError
from kam.planning.fishbone import selectors, services
from kam.planning.fishbone.models import CauseStatus, FishboneCause, FishboneChange


def test_add_cause_keeps_its_fields_and_a_created_history_row(world):
    cause = services.add_cause(
        world.east_opp,
        by=world.east_rep,
        bone="competitor",
        text="  Rival has the plant manager  ",
        owner=world.east_rep2,
        action="Visit the plant manager with our reference",
        due_date=dt.date(2026, 12, 31),
    )
    cause.refresh_from_db()
    assert (cause.bone, cause.text, cause.owner, cause.status) == (
        "competitor",
        "Rival has the plant manager",
        world.east_rep2,
        CauseStatus.OPEN,
    )
    change = FishboneChange.objects.get(cause=cause)
    assert change.action == "created"
    assert change.changes["text"] == "Rival has the plant manager"
    assert change.changes["due_date"] == "2026-12-31"


def test_add_cause_refuses_bad_values_with_a_message_per_field(world):
    with pytest.raises(ValidationError) as caught:
        services.add_cause(world.east_opp, by=world.east_rep, bone="luck", text=" ", status="maybe")
    assert set(caught.value.message_dict) == {"bone", "text", "status"}
    assert not FishboneCause.objects.exists()


def test_add_cause_refuses_an_inactive_owner(world):
    world.east_rep2.is_active = False
    world.east_rep2.save()
    with pytest.raises(ValidationError) as caught:
        services.add_cause(world.east_opp, by=world.east_rep, bone="service", text="x", owner=world.east_rep2)
    assert "owner" in caught.value.message_dict


def test_update_cause_moves_its_status_and_records_before_and_after(world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="solution", text="Fit to spec unclear")
    services.update_cause(cause, by=world.east_mgr, version=cause.version, status=CauseStatus.IN_PROGRESS)
    services.update_cause(cause, by=world.east_mgr, version=cause.version, status=CauseStatus.DONE)
    cause.refresh_from_db()
    assert cause.status == "done"
    assert cause.version == 3
    edits = list(FishboneChange.objects.filter(cause=cause, action="edited").order_by("id"))
    assert [e.changes for e in edits] == [
        {"status": ["open", "in_progress"]},
        {"status": ["in_progress", "done"]},
    ]
    assert edits[0].changed_by == world.east_mgr


def test_a_stale_edit_is_a_conflict_and_changes_nothing(world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="commercial", text="Price too high")
    stale = cause.version
    services.update_cause(cause, by=world.east_rep, version=stale, text="Price 10 % too high")
    other = FishboneCause.objects.get(pk=cause.pk)
    other.version = stale
    with pytest.raises(ConflictError):
        services.update_cause(other, by=world.east_mgr, version=stale, text="Overwritten")
    assert FishboneCause.objects.get(pk=cause.pk).text == "Price 10 % too high"


def test_an_edit_that_changes_nothing_keeps_the_version_and_writes_no_history(world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="service", text="Slow support")
    services.update_cause(cause, by=world.east_rep, version=cause.version, text="Slow support")
    assert FishboneCause.objects.get(pk=cause.pk).version == 1
    assert not FishboneChange.objects.filter(action="edited").exists()


def test_delete_keeps_the_history_with_the_last_values(world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="resources", text="No engineer free")
    services.delete_cause(cause, by=world.east_rep, version=1)
    assert not FishboneCause.objects.exists()
    deleted = FishboneChange.objects.get(action="deleted")
    assert deleted.cause is None
    assert deleted.cause_label == "No engineer free"
    assert deleted.changes["bone"] == "resources"


def test_a_stale_delete_is_a_conflict(world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="resources", text="No engineer free")
    with pytest.raises(ConflictError):
        services.delete_cause(cause, by=world.east_rep, version=7)
    assert FishboneCause.objects.filter(pk=cause.pk).exists()


def test_a_rep_cannot_work_on_another_teams_fishbone(world):
    with pytest.raises(Http404):
        services.add_cause(world.west_opp, by=world.east_rep, bone="service", text="x")
    cause = services.add_cause(world.west_opp, by=world.west_rep, bone="service", text="x")
    with pytest.raises(Http404):
        services.update_cause(cause, by=world.east_rep, version=1, text="y")
    with pytest.raises(Http404):
        services.delete_cause(cause, by=world.east_mgr, version=1)


def test_state_counts_causes_by_status_in_one_query(world, django_assert_num_queries):
    for text, status in [("a", "open"), ("b", "open"), ("c", "in_progress"), ("d", "done")]:
        services.add_cause(world.east_opp, by=world.east_rep, bone="competitor", text=text, status=status)
    with django_assert_num_queries(1):
        line = selectors.state(world.east_opp, world.east_rep)
    assert line == "4 causes · 2 open · 1 in progress"
    assert selectors.state(world.west_opp, world.west_rep) == "no causes yet"


def test_causes_come_bone_by_bone_in_the_diagrams_order(world):
    for bone in ("resources", "relationship", "service", "competitor"):
        services.add_cause(world.east_opp, by=world.east_rep, bone=bone, text=bone)
    assert [c.bone for c in selectors.causes(world.east_opp)] == [
        "relationship",
        "competitor",
        "service",
        "resources",
    ]
