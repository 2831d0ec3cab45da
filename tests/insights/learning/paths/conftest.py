"""A steel works' deal built by hand for the approach paths: GM Wang decides, Xu Xiaofeng reports to
him, and Yang Fan (one of ours) knows Xu as a coach (CR4). Nobody on our side knows Wang."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kam.opportunities import services
from kam.relationships.services import set_relationship_level
from tests.factories import ContactFactory, UserFactory


@pytest.fixture
def plant(world):
    customer, opp, owner = world.east_customer, world.east_opp, world.east_rep
    wang = ContactFactory(customer=customer, name="GM Wang", rank="high", influence=5)
    xu = ContactFactory(customer=customer, name="Xu Xiaofeng", rank="mid_high", reports_to=wang)
    yang = UserFactory(username="yangfan", name="Yang Fan", team=world.east)
    services.set_contact_role(opp, wang, by=owner, decision_role="decision_maker", stance="B")
    set_relationship_level(xu, yang, 4, by=yang, note="Dinner after the trade fair")
    return SimpleNamespace(customer=customer, opp=opp, owner=owner, wang=wang, xu=xu, yang=yang)


def know(contact, user, level):
    set_relationship_level(contact, user, level, by=user, note="Met")
