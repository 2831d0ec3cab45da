"""The skills services and selectors: placements and levels with their history, treatments per cell,
gaps ordered by importance − level, training from a gap, overdue items, who may assess whom, and the
messages of refused input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kam.core.errors import ConflictError, RuleViolation
from kam.team.skills import selectors, services
from kam.team.skills.models import Placement, Skill, SkillLevel, TrainingItem, TrainingStatus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _skill(code: str) -> Skill:
    return Skill.objects.get(code=code)


def test_the_migration_seeds_six_treatments_and_the_skills_in_both_languages():
    cells = selectors.treatments()
    assert len(cells) == 6
    assert "Delegate" in cells[("able", "willing")].advice_en
    assert cells[("cannot", "unwilling")].advice_en == "Replace"
    skill = _skill("negotiation")
    assert (skill.name, skill.name_en) == ("商务谈判", "Negotiation")
    assert Skill.objects.count() == 8


def test_a_placement_puts_the_person_in_their_cell_with_its_treatment(world):
    services.place_person(
        world.east_rep, by=world.east_mgr, ability="can_learn", attitude="willing", on=TODAY()
    )
    grid = selectors.matrix(world.east_mgr)
    cell = grid.cell_of(world.east_rep.pk)
    assert (cell.ability, cell.attitude) == ("can_learn", "willing")
    assert "Train and coach" in cell.treatment.advice_en
    assert world.east_rep2 in grid.unplaced
    # The manager does not appear in their own team's matrix; the other team's people do not either.
    assert world.east_mgr not in grid.unplaced and world.west_rep not in grid.unplaced


def test_the_latest_placement_by_date_is_current_and_the_earlier_ones_stay_as_history(world):
    services.place_person(
        world.east_rep, by=world.east_mgr, ability="cannot", attitude="unwilling", on=TODAY()
    )
    # Entered later but dated earlier: history, not the current placement.
    services.place_person(
        world.east_rep,
        by=world.east_mgr,
        ability="able",
        attitude="willing",
        on=TODAY() - dt.timedelta(days=90),
    )
    current = selectors.current_placement(world.east_rep)
    assert (current.ability, current.attitude) == ("cannot", "unwilling")
    services.place_person(world.east_rep, by=world.director, ability="able", attitude="unwilling", on=TODAY())
    history = selectors.placement_history(world.east_rep)
    assert [(p.ability, p.current) for p in history] == [
        ("able", True),
        ("cannot", False),
        ("able", False),
    ]
    assert Placement.objects.filter(person=world.east_rep, current=True).count() == 1


def test_only_the_persons_manager_or_a_director_assesses_them(world):
    with pytest.raises(PermissionDenied):
        services.place_person(
            world.east_rep, by=world.east_rep, ability="able", attitude="willing", on=TODAY()
        )
    with pytest.raises(PermissionDenied):
        services.place_person(
            world.east_rep, by=world.west_mgr, ability="able", attitude="willing", on=TODAY()
        )
    with pytest.raises(PermissionDenied):
        services.set_level(world.east_rep, _skill("bidding"), by=world.east_rep2, level=3, on=TODAY())
    services.set_level(world.east_rep, _skill("bidding"), by=world.director, level=3, on=TODAY())
    assert not Placement.objects.exists()


def test_refused_input_says_what_is_wrong_and_writes_nothing(world):
    with pytest.raises(ValidationError) as bad_cell:
        services.place_person(
            world.east_rep, by=world.east_mgr, ability="great", attitude="maybe", on=TODAY()
        )
    assert set(bad_cell.value.message_dict) == {"ability", "attitude"}
    with pytest.raises(ValidationError) as future:
        services.place_person(
            world.east_rep,
            by=world.east_mgr,
            ability="able",
            attitude="willing",
            on=TODAY() + dt.timedelta(1),
        )
    assert future.value.message_dict["on"] == ["The date cannot be in the future."]
    with pytest.raises(ValidationError) as level:
        services.set_level(world.east_rep, _skill("bidding"), by=world.east_mgr, level=6, on=TODAY())
    assert level.value.message_dict["level"] == ["The level is a whole number from 1 to 5."]
    with pytest.raises(ValidationError) as empty:
        services.add_training_item(
            world.east_rep, by=world.east_mgr, skill=_skill("bidding"), action="  ", due=TODAY()
        )
    assert empty.value.message_dict["action"] == ["Say what the training is."]
    with pytest.raises(ValidationError) as past:
        services.add_training_item(
            world.east_rep,
            by=world.east_mgr,
            skill=_skill("bidding"),
            action="x",
            due=TODAY() - dt.timedelta(1),
        )
    assert past.value.message_dict["due"] == ["The due date cannot be in the past."]
    assert not (Placement.objects.exists() or SkillLevel.objects.exists() or TrainingItem.objects.exists())


def test_levels_keep_their_history_and_the_newest_by_date_is_current(world):
    bidding = _skill("bidding")
    services.set_level(
        world.east_rep, bidding, by=world.east_mgr, level=2, on=TODAY() - dt.timedelta(days=60)
    )
    services.set_level(world.east_rep, bidding, by=world.east_mgr, level=4, on=TODAY())
    services.set_level(
        world.east_rep, bidding, by=world.east_mgr, level=1, on=TODAY() - dt.timedelta(days=200)
    )
    row = next(r for r in selectors.person_skills(world.east_rep) if r.skill == bidding)
    assert row.level == 4 and row.level_on == TODAY()
    assert [h.level for h in selectors.level_history(world.east_rep)] == [4, 2, 1]


def test_gaps_are_ordered_by_importance_minus_level_then_importance(world):
    Skill.objects.filter(code="relationship-building").update(importance=5)
    Skill.objects.filter(code="negotiation").update(importance=4)
    Skill.objects.filter(code="bidding").update(importance=3)
    Skill.objects.filter(code="project-management").update(importance=3)
    levels = {"relationship-building": 2, "negotiation": 1, "bidding": 1, "project-management": 4}
    for code, level in levels.items():
        services.set_level(world.east_rep, _skill(code), by=world.east_mgr, level=level, on=TODAY())
    rows = selectors.person_skills(world.east_rep)
    assessed = [(r.skill.code, r.gap) for r in rows if r.level is not None]
    # negotiation 4−1=3 and relationship 5−2=3 tie: the more important first; bidding 2; PM −1.
    assert assessed == [
        ("relationship-building", Decimal(3)),
        ("negotiation", Decimal(3)),
        ("bidding", Decimal(2)),
        ("project-management", Decimal(-1)),
    ]
    assert all(r.level is None for r in rows[len(assessed) :])
    by_code = {r.skill.code: r for r in rows}
    assert by_code["relationship-building"].quadrant == selectors.Quadrant.TRAIN_FIRST
    assert by_code["project-management"].quadrant == selectors.Quadrant.KEEP_UP


def test_a_teams_gap_averages_its_peoples_latest_levels(world):
    negotiation = _skill("negotiation")  # importance 4
    services.set_level(world.east_rep, negotiation, by=world.east_mgr, level=1, on=TODAY() - dt.timedelta(9))
    services.set_level(world.east_rep, negotiation, by=world.east_mgr, level=2, on=TODAY())
    services.set_level(world.east_rep2, negotiation, by=world.east_mgr, level=5, on=TODAY())
    services.set_level(world.west_rep, negotiation, by=world.west_mgr, level=1, on=TODAY())
    east = selectors.assessed_people(world.director, world.east)
    row = next(r for r in selectors.team_skills(east) if r.skill == negotiation)
    assert (row.level, row.gap, row.assessed, row.below) == (Decimal("3.5"), Decimal("0.5"), 2, 1)


def test_a_gap_becomes_a_training_item_in_one_step_and_only_once(world):
    negotiation = _skill("negotiation")
    services.set_level(world.east_rep, negotiation, by=world.east_mgr, level=2, on=TODAY())
    item = services.plan_from_gap(world.east_rep, negotiation, by=world.east_mgr)
    assert item.skill == negotiation and item.status == TrainingStatus.OPEN
    assert item.due == TODAY() + dt.timedelta(days=services.GAP_PLAN_DAYS)
    assert "from level 2 towards 4" in item.action
    with pytest.raises(RuleViolation, match="already in the plan"):
        services.plan_from_gap(world.east_rep, negotiation, by=world.east_mgr)
    services.set_level(world.east_rep, _skill("bidding"), by=world.east_mgr, level=5, on=TODAY())
    with pytest.raises(RuleViolation, match="has no gap"):
        services.plan_from_gap(world.east_rep, _skill("bidding"), by=world.east_mgr)
    with pytest.raises(RuleViolation, match="first"):
        services.plan_from_gap(world.east_rep, _skill("product-knowledge"), by=world.east_mgr)
    assert TrainingItem.objects.count() == 1


def test_an_open_item_past_its_due_date_is_overdue_and_done_records_the_day(world):
    item = services.add_training_item(
        world.east_rep, by=world.east_mgr, skill=_skill("bidding"), action="Bid workshop", due=TODAY()
    )
    TrainingItem.objects.filter(pk=item.pk).update(due=TODAY() - dt.timedelta(days=1))
    item.refresh_from_db()
    assert selectors.is_overdue(item)
    assert selectors.overdue_counts([world.east_rep, world.east_rep2]) == {world.east_rep.pk: 1}
    services.update_training_item(item, by=world.east_mgr, version=item.version, status="done")
    item.refresh_from_db()
    assert (item.status, item.done_on, selectors.is_overdue(item)) == ("done", TODAY(), False)
    with pytest.raises(ConflictError):
        services.update_training_item(item, by=world.east_mgr, version=1, action="Stale")


def test_reps_see_only_themselves_managers_their_teams_directors_everyone(world):
    assert list(selectors.people_for(world.east_rep)) == [world.east_rep]
    east = set(selectors.assessed_people(world.east_mgr))
    assert east == {world.east_rep, world.east_rep2}
    everyone = set(selectors.assessed_people(world.director))
    assert {world.east_rep, world.west_rep, world.east_mgr, world.west_mgr} <= everyone
    assert world.director not in everyone and world.admin not in everyone


def test_only_administrators_edit_the_catalogue(world):
    skill = _skill("bidding")
    with pytest.raises(PermissionDenied):
        services.update_skill(skill, by=world.director, version=skill.version, importance=5)
    services.update_skill(skill, by=world.admin, version=skill.version, importance=5)
    skill.refresh_from_db()
    assert (skill.importance, skill.version) == (5, 2)
