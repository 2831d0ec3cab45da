"""Shared by the decision chain tests: a steel works' decision chain built by hand, and a way to grow
it and count the queries a read costs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.opportunities import services
from kam.relationships.services import add_influence, set_relationship_level
from tests.factories import ContactFactory, make_opportunity


def build_chain(owner, customer, stage_code="P4"):
    """A steel works: GM Zhao at the top; deputy GM Wang decides, chief engineer Li approves the technology,
    finance director Qian the commercials, engineer Sun uses it. Zhou and Wu are not involved."""
    opp = make_opportunity(
        owner=owner, customer=customer, name="Blast furnace upgrade", stage_code=stage_code
    )
    zhao = ContactFactory(customer=customer, name="GM Zhao", rank="high", influence=5)
    wang = ContactFactory(customer=customer, name="Deputy GM Wang", rank="high", influence=5, reports_to=zhao)
    li = ContactFactory(
        customer=customer, name="Chief Engineer Li", rank="mid_high", influence=4, reports_to=wang
    )
    sun = ContactFactory(customer=customer, name="Engineer Sun", rank="mid", influence=2, reports_to=li)
    qian = ContactFactory(
        customer=customer, name="Finance Director Qian", rank="mid_high", influence=4, reports_to=zhao
    )
    zhou = ContactFactory(customer=customer, name="Clerk Zhou", rank="low", influence=1, reports_to=qian)
    wu = ContactFactory(customer=customer, name="Sales Head Wu", rank="mid", influence=3, reports_to=zhao)
    for contact, role, stance in (
        (wang, "decision_maker", "A"),
        (li, "technical_approver", "A"),
        (sun, "user", "B"),
        (qian, "business_approver", "B"),
    ):
        services.set_contact_role(opp, contact, by=owner, decision_role=role, stance=stance)
    for contact, level in ((wang, 3), (li, 3), (sun, 1)):
        set_relationship_level(contact, owner, level, by=owner, note="Site visit")
    add_influence(sun, wang, by=owner, note="Wang trusts Sun's reports")
    add_influence(zhou, wang, by=owner)
    return SimpleNamespace(opp=opp, zhao=zhao, wang=wang, li=li, sun=sun, qian=qian, zhou=zhou, wu=wu)


@pytest.fixture
def steel(world):
    return build_chain(world.east_rep, world.east_customer)


def _grow(world, steel, n):
    owner = world.east_rep
    for i in range(n):
        person = ContactFactory(customer=steel.opp.customer, name=f"Staff {i}", reports_to=steel.sun)
        services.set_contact_role(steel.opp, person, by=owner, decision_role="user", stance="B")
        set_relationship_level(person, owner, 2, by=owner, note="Workshop")
        add_influence(person, steel.li, by=owner)
        ContactFactory(customer=steel.opp.customer, name=f"Bystander {i}", reports_to=steel.wu)


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)
