"""The demo's win/loss reviews (kam.demo.planning.winloss): the latest closes of each outcome get a
review with participants, linked fishbone causes and, for some, an edit in the history; open deals
none; all gone when deleted."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.planning import winloss as demo_winloss
from kam.opportunities.models import Opportunity
from kam.planning.winloss.models import WinLossReview, WinLossReviewChange
from tests.planning.winloss.conftest import close

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(world):
    close(world.east_opp, world.east_rep, "won", "solution")
    close(world.east_opp2, world.east_rep2, "dropped", "no-bid")
    builder = SimpleNamespace(
        users={"a": world.east_rep, "b": world.east_rep2, "c": world.west_rep}, today=timezone.localdate()
    )
    demo_winloss.build(builder, random.Random(7))
    return world


def test_closed_deals_get_reviews_with_people_and_causes(demo_world):
    reviews = {r.opportunity_id: r for r in WinLossReview.objects.all()}
    assert set(reviews) == {demo_world.east_opp.pk, demo_world.east_opp2.pk}
    assert demo_world.west_opp.pk not in reviews  # still open
    for review in reviews.values():
        assert review.decided_by and review.our_people.filter(pk=review.opportunity.owner_id).exists()
        assert review.causes.exists()
        assert review.meeting_date <= timezone.localdate()
    assert WinLossReviewChange.objects.filter(action="created").count() == 2


def test_delete_removes_the_reviews_and_their_history(demo_world):
    demo_winloss.delete(None, None, Opportunity.objects.all())
    assert not WinLossReview.objects.exists()
    assert not WinLossReviewChange.objects.exists()
