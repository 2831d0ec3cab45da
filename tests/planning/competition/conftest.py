from __future__ import annotations

import pytest

from kam.opportunities import services as opportunity_services
from kam.planning.competition import services
from kam.planning.competition.models import Dimension
from kam.relationships.models import DecisionRole
from tests.factories import CompetitorFactory, ContactFactory


@pytest.fixture
def dimensions():
    found = list(Dimension.objects.filter(is_active=True))
    assert len(found) == 8  # seeded by the migration
    return found


@pytest.fixture
def deal(world):
    """The East rep's deal with two competitors and a decision chain of two people."""
    opportunity = world.east_opp
    alpha = CompetitorFactory(name="Alpha Systems")
    beta = CompetitorFactory(name="Beta Tech")
    services.add_to_deal(opportunity, by=world.east_rep, competitor=alpha)
    services.add_to_deal(opportunity, by=world.east_rep, competitor=beta)
    wang = ContactFactory(customer=opportunity.customer, name="Wang")
    li = ContactFactory(customer=opportunity.customer, name="Li")
    opportunity_services.set_contact_role(
        opportunity, wang, by=world.east_rep, decision_role=DecisionRole.DECISION_MAKER
    )
    opportunity_services.set_contact_role(
        opportunity, li, by=world.east_rep, decision_role=DecisionRole.TECHNICAL_APPROVER
    )
    world.deal = opportunity
    world.alpha, world.beta, world.wang, world.li = alpha, beta, wang, li
    return world
