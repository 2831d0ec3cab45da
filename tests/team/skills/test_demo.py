"""The demo's skills on a small world: everyone placed (with history), levels in every skill,
training plans from the largest gaps with one overdue and one done; the reset removes them."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.team import skills as demo_skills
from kam.org.models import User
from kam.team.skills import selectors
from kam.team.skills.models import Placement, Skill, SkillLevel, TrainingItem, TrainingStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(world):
    users = {
        "demo_director": world.director,
        "demo_manager_east": world.east_mgr,
        "demo_manager_west": world.west_mgr,
        "demo_rep_east1": world.east_rep,
        "demo_rep_east2": world.east_rep2,
        "demo_rep_west1": world.west_rep,
    }
    teams = {"": world.root, "east": world.east, "west": world.west}
    return SimpleNamespace(
        users=users,
        teams=teams,
        today=timezone.localdate(),
        reps=lambda team: [u for n, u in users.items() if n.startswith(f"demo_rep_{team}")],
        manager=lambda team: users[f"demo_manager_{team}"],
    )


def test_the_demo_places_everyone_sets_levels_and_plans_training(builder, world):
    demo_skills.build(builder, random.Random(11))
    people = [world.east_mgr, world.west_mgr, world.east_rep, world.east_rep2, world.west_rep]
    assert Placement.objects.filter(current=True, person__in=people).count() == len(people)
    assert Placement.objects.count() > len(people)  # some were placed twice: history
    assert SkillLevel.objects.filter(current=True).count() == len(people) * Skill.objects.count()
    for rep in (world.east_rep, world.east_rep2, world.west_rep):
        rows = selectors.person_skills(rep)
        planned = set(TrainingItem.objects.filter(person=rep).values_list("skill_id", flat=True))
        assert planned <= {r.skill.pk for r in rows if r.has_gap}
    assert TrainingItem.objects.filter(status=TrainingStatus.DONE).exists()
    assert any(selectors.is_overdue(i) for i in TrainingItem.objects.all())
    demo_skills.delete(User.objects.all(), None, None)
    assert not (Placement.objects.exists() or SkillLevel.objects.exists() or TrainingItem.objects.exists())
