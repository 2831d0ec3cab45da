"""The demo's commission on a small world: two plans, splits on deals worked by two people, last
quarter's statements in each state and a second revision after a deal grew; the reset removes them."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest

from kam.demo.team import commission as demo_commission
from kam.opportunities.models import MemberRole, Opportunity
from kam.opportunities.services import set_member
from kam.org.models import User
from kam.team.commission.models import CommissionPlan, DealSplit, Statement
from kam.team.commission.selectors import differences
from tests.team.commission.helpers import won

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(world):
    w = world
    shared = won(w.east_rep, "1200000", dt.date(2026, 8, 3), name="Shared")
    set_member(shared, w.east_rep2, by=w.east_rep, role=MemberRole.MEMBER)
    won(w.east_rep2, "400000", dt.date(2026, 9, 3))
    won(w.west_rep, "2500000", dt.date(2026, 7, 20))
    users = {
        "demo_admin": w.admin,
        "demo_rep_east1": w.east_rep,
        "demo_rep_east2": w.east_rep2,
        "demo_rep_west1": w.west_rep,
    }
    managers = {"east": w.east_mgr, "west": w.west_mgr}
    return SimpleNamespace(
        users=users,
        today=dt.date(2026, 11, 15),
        manager=managers.__getitem__,
        team_of=lambda u: "east" if u.team_id == w.east.pk else "west",
        world=w,
    )


def test_demo_plans_splits_and_statements(builder):
    demo_commission.build(builder, random.Random(3))
    assert CommissionPlan.objects.count() == 2
    assert DealSplit.objects.get().opportunity.name == "Shared"
    first = Statement.objects.filter(revision=1).order_by("person__username")
    assert [s.status for s in first] == ["approved", "submitted", "draft"]
    assert all(s.period_start == dt.date(2026, 7, 1) for s in first)
    revision = Statement.objects.get(revision=2)
    assert revision.previous.status == "approved"
    assert differences(revision) and revision.total > revision.previous.total

    users = User.objects.filter(pk__in=[u.pk for u in builder.users.values()])
    demo_commission.delete(
        users, builder.world.east_customer.__class__.objects.all(), Opportunity.objects.all()
    )
    assert (
        not Statement.objects.exists()
        and not DealSplit.objects.exists()
        and not CommissionPlan.objects.exists()
    )
