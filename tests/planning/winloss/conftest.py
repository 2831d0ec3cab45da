"""Closed deals to review: east_opp lost to a rival (a listed reason naming it), with two causes on
its fishbone; west_opp still open."""

from __future__ import annotations

import pytest

from kam.opportunities import services as opportunity_services
from kam.opportunities.models import CloseReason
from kam.planning.fishbone import services as fishbone_services
from tests.factories import CompetitorFactory


def close(opportunity, by, status, code, **extra):
    return opportunity_services.close_opportunity(
        opportunity,
        by=by,
        status=status,
        reason_choice=CloseReason.objects.get(outcome=status, code=code),
        **extra,
    )


@pytest.fixture
def closed(world):
    w = world
    w.rival = CompetitorFactory(name="Rival Corp")
    close(w.east_opp, w.east_rep, "lost", "price", lost_to=w.rival)
    w.cause = fishbone_services.add_cause(w.east_opp, by=w.east_rep, bone="commercial", text="Price 12% high")
    w.other_cause = fishbone_services.add_cause(
        w.east_opp, by=w.east_rep, bone="relationship", text="GM never met"
    )
    w.foreign_cause = fishbone_services.add_cause(
        w.west_opp, by=w.west_rep, bone="solution", text="West's own cause"
    )
    return w
