"""The demo's certifications, built on a small world: most reps certified by their manager, one
half-way, one never examined; the demo's reset removes them."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.team import playbook as demo_playbook
from kam.org.models import User
from kam.team.playbook.models import CertificationRecord, CertificationRule
from kam.team.playbook.selectors import certified_user_ids, is_certified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(world):
    third = UserFactory(username="east_rep3", team=world.east)
    users = {
        "demo_rep_east1": world.east_rep,
        "demo_rep_east2": world.east_rep2,
        "demo_rep_east3": third,
        "demo_manager_east": world.east_mgr,
    }
    return SimpleNamespace(
        users=users,
        teams={"": world.root, "east": world.east},
        today=timezone.localdate(),
        reps=lambda key: [u for name, u in users.items() if name.startswith(f"demo_rep_{key}")],
        manager=lambda key: users[f"demo_manager_{key}"],
    )


def test_demo_certifies_most_reps_and_leaves_some_to_do(builder, world):
    demo_playbook.build(builder, random.Random(3))
    today = timezone.localdate()
    assert is_certified(world.east_rep, today)
    assert not is_certified(world.east_rep2, today)  # half-way
    third = builder.users["demo_rep_east3"]
    assert not CertificationRecord.objects.filter(user=third).exists()
    assert set(CertificationRecord.objects.values_list("certified_by", flat=True)) == {world.east_mgr.pk}
    # The first rep has held the certificate for more than a year: star ratings of last year see it.
    assert world.east_rep.pk in certified_user_ids(today.replace(year=today.year - 1, month=12, day=31))
    assert CertificationRule.objects.get().enforce_key_owner is False


def test_demo_reset_removes_the_records(builder):
    demo_playbook.build(builder, random.Random(3))
    demo_playbook.delete(User.objects.all(), None, None)
    assert not CertificationRecord.objects.exists()
