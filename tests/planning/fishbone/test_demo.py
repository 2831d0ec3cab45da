"""The demo's fishbones (kam.demo.planning.fishbone): causes on the late-stage deals in every status,
with history; all gone when deleted."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.planning import fishbone as demo_fishbone
from kam.opportunities.models import Opportunity
from kam.planning.fishbone.models import FishboneCause, FishboneChange
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(world):
    late = [
        make_opportunity(
            owner=world.east_rep, customer=world.east_customer, stage_code="P5", name=f"Late {n}"
        )
        for n in range(3)
    ]
    early = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P1", name="Early"
    )
    builder = SimpleNamespace(users={"demo_rep": world.east_rep}, today=timezone.localdate())
    demo_fishbone.build(builder, random.Random(5))
    world.late, world.early = late, early
    return world


def test_late_deals_get_five_to_nine_causes_in_every_status(demo_world):
    for deal in demo_world.late:
        assert 5 <= FishboneCause.objects.filter(opportunity=deal).count() <= 9
    assert not FishboneCause.objects.filter(opportunity=demo_world.early).exists()
    assert set(FishboneCause.objects.values_list("status", flat=True)) == {"open", "in_progress", "done"}
    assert FishboneChange.objects.filter(action="edited").exists()
    assert not FishboneCause.objects.filter(owner__isnull=True).exists()


def test_delete_removes_the_causes_and_their_history(demo_world):
    demo_fishbone.delete(None, None, Opportunity.objects.all())
    assert not FishboneCause.objects.exists()
    assert not FishboneChange.objects.exists()
