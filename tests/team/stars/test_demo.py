"""The demo's star ratings, built on a small world: families assigned, last year's evaluations
published (one level adjusted with a reason) so incentives hold today, this year's draft waiting;
the demo's reset removes them."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.team import stars as demo_stars
from kam.org.models import User
from kam.team.stars.models import Evaluation, EvaluationStatus, FamilyMember, Rating
from kam.team.stars.selectors import incentive_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(world):
    users = {
        "demo_director": world.director,
        "demo_manager_east": world.east_mgr,
        "demo_rep_east1": world.east_rep,
        "demo_rep_east2": world.east_rep2,
        "demo_rep_south1": world.west_rep,
    }
    return SimpleNamespace(
        users=users,
        teams={"east": world.east},
        today=timezone.localdate(),
        manager=lambda key: users[f"demo_manager_{key}"],
    )


def test_demo_publishes_last_year_and_drafts_this_year(builder):
    demo_stars.build(builder, random.Random(3))
    assert FamilyMember.objects.count() == 3
    published = Evaluation.objects.filter(status=EvaluationStatus.PUBLISHED)
    assert published.count() == 3  # one per family
    assert Rating.objects.filter(published_at__isnull=False).exclude(reason="").count() >= 1
    draft = Evaluation.objects.get(status=EvaluationStatus.DRAFT)
    assert draft.team == builder.teams["east"] and draft.ratings.count() == 2
    today = builder.today
    assert incentive_for(builder.users["demo_rep_east1"], today) is not None
    assert incentive_for(builder.users["demo_rep_east1"], dt.date(today.year - 1, 12, 31)) is None


def test_demo_reset_removes_the_ratings(builder):
    demo_stars.build(builder, random.Random(3))
    demo_stars.delete(User.objects.filter(pk__in=[u.pk for u in builder.users.values()]), None, None)
    assert not Evaluation.objects.exists() and not FamilyMember.objects.exists()
