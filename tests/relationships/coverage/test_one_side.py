"""The coverage net calls out a decision chain our relationships cover on one side only."""

from __future__ import annotations

import pytest

from kam.relationships.coverage import selectors as coverage
from tests.relationships.coverage.conftest import give_role, set_level

pytestmark = pytest.mark.django_db


def test_the_net_calls_out_technical_but_not_business(east):
    give_role(east.east_opp, east.cto, "technical_approver")
    give_role(east.east_opp, east.gm, "decision_maker")
    set_level(east.cto, east.east_rep, 4)
    set_level(east.gm, east.east_rep, 1)
    net = coverage.coverage_net(east.east_rep, east.east_customer)
    found = [h for h in net.highlights if h.kind == "one_side"]
    assert len(found) == 1
    assert "only the technical side" in found[0].message
    assert "Zhang Wei (Decision maker, CR1)" in found[0].message
    assert {c.pk for c in found[0].contacts} == {east.cto.pk, east.gm.pk}


def test_the_net_says_nothing_of_sides_when_both_are_covered(east):
    give_role(east.east_opp, east.cto, "technical_approver")
    give_role(east.east_opp, east.gm, "decision_maker")
    set_level(east.cto, east.east_rep, 4)
    set_level(east.gm, east.east_rep, 3)
    net = coverage.coverage_net(east.east_rep, east.east_customer)
    assert "one_side" not in [h.kind for h in net.highlights]


def test_the_call_out_reaches_the_api(east, api_as):
    give_role(east.east_opp, east.buyer, "business_approver")
    set_level(east.buyer, east.east_rep, 5)
    body = api_as(east.east_rep).get(f"/customers/{east.east_customer.pk}/coverage-net").json()
    kinds = [h["kind"] for h in body["highlights"]]
    assert "one_side" in kinds
