"""The demo's bids part on a small world: bids on the late-stage deals in every state, a no-bid on a
dropped deal, and a reset that leaves none behind."""

from __future__ import annotations

import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from kam.demo.planning import bids as demo_bids
from kam.opportunities.models import Opportunity
from kam.opportunities.services import close_opportunity
from kam.planning.approvals.models import ApprovalRequest
from kam.planning.bids.models import Bid, BidChange, PriceApproval
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


class Builder:
    """What the bids part reads of kam.demo.generator.DemoBuilder."""

    def __init__(self, world):
        self.world = world
        self.users = {"demo_rep_east_1": world.east_rep, "demo_rep_east_2": world.east_rep2}
        self.today = timezone.localdate()

    def reps(self, team):
        return [self.world.east_rep, self.world.east_rep2]

    def team_of(self, user):
        return "east"


@pytest.fixture
def deals(world):
    late = [
        make_opportunity(
            owner=world.east_rep, customer=world.east_customer, stage_code=code, name=f"Deal {n}"
        )
        for n, code in enumerate(["P4", "P4", "P5", "P4", "P6", "P4", "P5", "P4"])
    ]
    early = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P2", name="Early"
    )
    dropped = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P4", name="Dropped"
    )
    close_opportunity(dropped, by=world.east_rep, status="dropped", reason="Customer cancelled")
    return late, early, dropped


def test_bids_on_late_deals_in_every_state_and_a_no_bid_on_a_dropped_deal(world, deals):
    late, early, dropped = deals
    demo_bids.build(Builder(world), random.Random(7))
    assert set(Bid.objects.values_list("opportunity_id", flat=True)) == {d.pk for d in late} | {dropped.pk}
    assert not Bid.objects.filter(opportunity=early).exists()
    approvals = set(Bid.objects.values_list("price_approval", flat=True))
    assert {PriceApproval.APPROVED, PriceApproval.PENDING, PriceApproval.REJECTED} <= approvals
    assert Bid.objects.filter(decision="bid").count() >= 2
    no_bid = Bid.objects.get(opportunity=dropped)
    assert no_bid.decision == "no_bid" and no_bid.fatal_factors
    dropped.refresh_from_db()
    assert dropped.status == "dropped"
    # No deal changed status or stage: the demo's mix stays as the generator made it.
    assert Opportunity.objects.filter(pk__in=[d.pk for d in late], status="open").count() == len(late)


def test_the_demo_bids_are_removed_with_their_approvals_and_history(world, deals):
    demo_bids.build(Builder(world), random.Random(7))
    assert ApprovalRequest.objects.exists()
    demo_bids.delete(None, None, Opportunity.objects.all())
    assert not Bid.objects.exists()
    assert not BidChange.objects.exists()
    assert not ApprovalRequest.objects.filter(target_type=ContentType.objects.get_for_model(Bid)).exists()
