"""Deals closed in June 2026 that the loss diagnosis tests share (selectors, page, API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kam.opportunities import services as opportunity_services
from tests.factories import CompetitorFactory, CustomerFactory, make_opportunity

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")


def close(opportunity, status, reason, when="2026-06-15 10:00", lost_to=None):
    return opportunity_services.close_opportunity(
        opportunity,
        by=opportunity.owner,
        status=status,
        reason=reason,
        lost_to=lost_to,
        closed_at=dt.datetime.fromisoformat(when).replace(tzinfo=SHANGHAI),
    )


def deal(owner, stage_code, amount):
    return make_opportunity(
        owner=owner, customer=CustomerFactory(owner=owner), stage_code=stage_code, amount=D(amount)
    )


@pytest.fixture
def closes(world):
    """Closed in June: five lost or dropped, one won; one lost a minute after June, one still open.

    deal  owner      furthest  status   reason              to        amount
    A     east_rep   P2        lost     Price too high      Huawei    100,000
    B     east_rep   P2        lost      price too high     Huawei    200,000
    C     east_rep2  P2        dropped  Margin too low                 50,000
    D     west_rep   P4        lost     Relationship        (none)    300,000
    E     west_rep   P0        dropped  Not shortlisted                10,000
    F     east_rep   P5 → won  won      Best solution                 500,000
    """
    w = world
    huawei = CompetitorFactory(name="Huawei")
    close(deal(w.east_rep, "P2", 100_000), "lost", "Price too high", lost_to=huawei)
    close(deal(w.east_rep, "P2", 200_000), "lost", " price too high ", lost_to=huawei)
    close(deal(w.east_rep2, "P2", 50_000), "dropped", "Margin too low")
    close(deal(w.west_rep, "P4", 300_000), "lost", "Relationship")
    close(deal(w.west_rep, "P0", 10_000), "dropped", "Not shortlisted")
    close(deal(w.east_rep, "P5", 500_000), "won", "Best solution")
    close(deal(w.east_rep, "P3", 999_000), "lost", "Too late", when="2026-07-01 00:01")
    deal(w.east_rep, "P3", 777_000)  # open
    return w
