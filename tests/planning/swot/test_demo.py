"""The demo's SWOTs, built on a small world: late-stage deals and key customers get a SWOT whose
strategies keep the side rule, with some items unused and a planned (and a done) action; the
demo's reset removes them."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.activities.models import ActivityStatus
from kam.customers.models import Customer
from kam.demo.planning import swot as demo_swot
from kam.opportunities.models import Opportunity
from kam.planning.swot.models import SIDES, Swot, SwotItem, TowsStrategy
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(world):
    late = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P4", name="Late one"
    )
    later = make_opportunity(
        owner=world.west_rep, customer=world.west_customer, stage_code="P5", name="Later one"
    )
    users = {u.username: u for u in (world.east_rep, world.west_rep, world.east_rep2)}
    accounts = [
        SimpleNamespace(customer=world.east_customer, segment="K"),
        SimpleNamespace(customer=world.west_customer, segment="I"),
    ]
    return SimpleNamespace(users=users, today=timezone.localdate(), accounts=accounts, late=[later, late])


def test_late_stage_deals_and_key_customers_get_a_swot_with_strategies(builder):
    demo_swot.build(builder, random.Random(7))
    swots = Swot.objects.all()
    assert {s.opportunity_id for s in swots if s.opportunity_id} == {o.pk for o in builder.late}
    assert [s.customer_id for s in swots if s.customer_id] == [builder.accounts[0].customer.pk]
    # Early-stage deals (P0) get none.
    assert not Swot.objects.filter(opportunity__stage__probability__lt=50).exists()
    for strategy in TowsStrategy.objects.prefetch_related("items"):
        kinds = {i.kind for i in strategy.items.all()}
        assert kinds == set(SIDES[strategy.kind])
    assert SwotItem.objects.filter(strategies__isnull=True).exists()
    actions = TowsStrategy.objects.filter(activity__isnull=False).select_related("activity")
    assert actions.count() == 2
    assert {a.activity.status for a in actions} == {ActivityStatus.PLANNED, ActivityStatus.DONE}
    assert all(a.activity.opportunity_id == a.swot.opportunity_id for a in actions)
    assert all(
        timezone.localtime(a.activity.start).date() <= timezone.localdate() + dt.timedelta(days=14)
        for a in actions
    )


def test_the_same_seed_gives_the_same_swots(builder):
    demo_swot.build(builder, random.Random(7))
    first = sorted(SwotItem.objects.values_list("swot__opportunity__name", "kind", "order", "text"), key=repr)
    demo_swot.delete(None, Customer.objects.all(), Opportunity.objects.all())
    assert not Swot.objects.exists() and not SwotItem.objects.exists()
    demo_swot.build(builder, random.Random(7))
    assert (
        sorted(SwotItem.objects.values_list("swot__opportunity__name", "kind", "order", "text"), key=repr)
        == first
    )
