"""The demo's contests, built on a small world: a running sprint, a running team PK and last
quarter's finished contest with its winners frozen; the demo's reset removes them."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.team import contests as demo_contests
from kam.org.models import User
from kam.team.contests.models import Contest, ContestResult, ContestState

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(world):
    users = {
        "demo_director": world.director,
        "demo_rep_east1": world.east_rep,
        "demo_rep_east2": world.east_rep2,
        "demo_rep_west1": world.west_rep,
        "demo_manager_east": world.east_mgr,
        "demo_manager_west": world.west_mgr,
    }
    return SimpleNamespace(
        users=users,
        teams={"": world.root, "east": world.east, "west": world.west},
        today=timezone.localdate(),
        reps=lambda key: [u for name, u in users.items() if name.startswith(f"demo_rep_{key}")],
        manager=lambda key: users[f"demo_manager_{key}"],
    )


def test_demo_has_running_contests_and_a_finished_one(builder, world):
    demo_contests.build(builder, random.Random(5))
    today = timezone.localdate()
    states = sorted(c.state(today) for c in Contest.objects.all())
    assert states == sorted([ContestState.RUNNING, ContestState.RUNNING, ContestState.FINISHED])
    finished = Contest.objects.get(finished_at__isnull=False)
    assert ContestResult.objects.filter(contest=finished).count() == 3
    sprint = Contest.objects.get(created_by=world.east_mgr)
    assert set(sprint.people.all()) == {world.east_rep, world.east_rep2}


def test_demo_reset_removes_the_contests(builder):
    demo_contests.build(builder, random.Random(5))
    demo_contests.delete(User.objects.all(), None, None)
    assert not Contest.objects.exists()
