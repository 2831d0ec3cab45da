"""The demo's competitor analyses (kam.demo.planning.competition): grids on late-stage deals,
supporters marked on a few chains, all gone when the demo is deleted."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.planning import competition as demo_competition
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity, OpportunityContact
from kam.planning.competition import selectors
from kam.planning.competition.models import CompetitionChange, CompetitorGrid, CompetitorSupporter
from kam.relationships.models import DecisionRole, Stance
from tests.factories import CompetitorFactory, ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(world):
    """Six late-stage deals of the East rep (one without a competitor), an early one, each late
    deal with an opposing contact in its chain."""
    rivals = [CompetitorFactory(name=f"Rival {n}") for n in range(3)]
    late = []
    for n in range(6):
        deal = make_opportunity(
            owner=world.east_rep, customer=world.east_customer, stage_code="P5", name=f"Late {n}"
        )
        if n:
            opportunity_services.add_competitor(deal, rivals[n % 3], by=world.east_rep)
        contact = ContactFactory(customer=world.east_customer, name=f"Opponent {n}")
        opportunity_services.set_contact_role(
            deal, contact, by=world.east_rep, decision_role=DecisionRole.INFLUENCER, stance=Stance.OPPOSE
        )
        late.append(deal)
    early = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P1", name="Early"
    )
    builder = SimpleNamespace(
        users={"demo_rep": world.east_rep},
        competitors={r.name: r for r in rivals},
        today=timezone.localdate(),
    )
    demo_competition.build(builder, random.Random(7))
    world.late, world.early, world.rivals = late, early, rivals
    return world


def test_late_stage_deals_get_a_scored_grid_against_each_competitor(demo_world):
    grids = {g.opportunity_id for g in CompetitorGrid.objects.all()}
    assert grids == {d.pk for d in demo_world.late}
    for deal in demo_world.late:
        view = selectors.grid(deal)
        assert len(view.sides) >= 2  # the deal without a competitor met one from the directory
        assert all(side.scored == len(view.rows) == 8 for side in view.sides)
    assert not CompetitorGrid.objects.filter(opportunity=demo_world.early).exists()


def test_a_few_chains_mark_an_opponent_as_a_competitors_supporter(demo_world):
    supporters = list(CompetitorSupporter.objects.select_related("contact"))
    assert len(supporters) == demo_competition.WITH_SUPPORTERS
    for supporter in supporters:
        assert (
            OpportunityContact.objects.get(
                opportunity=supporter.opportunity_id, contact=supporter.contact_id
            ).stance
            == Stance.OPPOSE
        )
        assert supporter.opportunity.competitor_entries.filter(competitor=supporter.competitor_id).exists()


def test_the_same_seed_scores_the_same_grid(demo_world):
    first = sorted(
        CompetitionChange.objects.filter(action="grid_edited").values_list("opportunity_id", "changes")
    )
    CompetitionChange.objects.all().delete()
    CompetitorGrid.objects.all().delete()
    CompetitorSupporter.objects.all().delete()
    builder = SimpleNamespace(
        users={"demo_rep": demo_world.east_rep},
        competitors={r.name: r for r in demo_world.rivals},
        today=timezone.localdate(),
    )
    demo_competition.build(builder, random.Random(7))
    again = sorted(
        CompetitionChange.objects.filter(action="grid_edited").values_list("opportunity_id", "changes")
    )
    assert again == first


def test_delete_removes_the_history_of_the_demo_deals(demo_world):
    deals = Opportunity.objects.filter(owner=demo_world.east_rep)
    demo_competition.delete(
        demo_world.east_rep.__class__.objects.filter(pk=demo_world.east_rep.pk), None, deals
    )
    assert not CompetitionChange.objects.filter(opportunity__in=deals).exists()
