"""A small hand-computed forecast data set on top of the `world` fixture.

Stages of the default process: P0 10 % … P3 30 % pipeline, P4 50 % best case, P5 75 % / P6 90 % /
P7 100 % commit. The world's three opportunities are P0, 1,000,000, signing 2027-03-31 (Q1).

2027 Q2 (sign dates 04-01 … 06-30):
  east: A east_rep  P4 2,000,000 best case (stage)          weighted 1,000,000  product Furnace
        B east_rep  P5   400,000 best case (own, stage commit) weighted 300,000 product Furnace
        C east_rep2 P2 100,000–300,000 → 200,000 pipeline    weighted    50,000  product Mill
  west: D west_rep  P3   600,000 commit (own)               weighted   180,000  product Turbine
        E west_rep  won  800,000 (closed from P6)
        F east_rep  lost 5,000,000 (never counts)
2027 Q3: G east_rep2 P1 300,000 omitted (own)               weighted    60,000
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from kam.opportunities import rollups
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity
from tests.factories import CustomerFactory, make_opportunity
from tests.recorded import recorded


def _with_category(opportunity: Opportunity, category: str) -> Opportunity:
    # A direct write, so the rollup is kept here as the services keep it.
    with transaction.atomic(), rollups.track([opportunity.pk]):
        Opportunity.objects.filter(pk=opportunity.pk).update(forecast_category=category)
    opportunity.refresh_from_db()
    return opportunity


@pytest.fixture
def forecast_world(world):
    """Seven deals on top of `world` across stages, forecast categories and outcomes; recorded like `world`."""
    return recorded("forecast_world", lambda: build_forecast_world(world), into=world)


def build_forecast_world(w):
    w.furnace_customer = w.east_customer
    w.mill_customer = CustomerFactory(name="North Mill", owner=w.east_rep2)
    w.a = make_opportunity(
        owner=w.east_rep,
        customer=w.east_customer,
        stage_code="P4",
        name="A",
        amount=Decimal("2000000"),
        sign_date=dt.date(2027, 4, 1),
        product_line="Furnace",
    )
    w.b = _with_category(
        make_opportunity(
            owner=w.east_rep,
            customer=w.east_customer,
            stage_code="P5",
            name="B",
            amount=Decimal("400000"),
            sign_date=dt.date(2027, 6, 30),
            product_line="Furnace",
        ),
        "best_case",
    )
    w.c = make_opportunity(
        owner=w.east_rep2,
        customer=w.mill_customer,
        stage_code="P2",
        name="C",
        amount=None,
        amount_low=Decimal("100000"),
        amount_high=Decimal("300000"),
        sign_date=dt.date(2027, 4, 15),
        product_line="Mill",
    )
    w.d = _with_category(
        make_opportunity(
            owner=w.west_rep,
            customer=w.west_customer,
            stage_code="P3",
            name="D",
            amount=Decimal("600000"),
            sign_date=dt.date(2027, 5, 10),
            product_line="Turbine",
        ),
        "commit",
    )
    w.e = make_opportunity(
        owner=w.west_rep,
        customer=w.west_customer,
        stage_code="P6",
        name="E",
        amount=Decimal("800000"),
        sign_date=dt.date(2027, 5, 20),
        product_line="Turbine",
    )
    opportunity_services.close_opportunity(w.e, by=w.west_rep, status="won", reason="Signed")
    w.f = make_opportunity(
        owner=w.east_rep,
        customer=w.east_customer,
        stage_code="P4",
        name="F",
        amount=Decimal("5000000"),
        sign_date=dt.date(2027, 5, 1),
    )
    opportunity_services.close_opportunity(w.f, by=w.east_rep, status="lost", reason="Price")
    w.g = _with_category(
        make_opportunity(
            owner=w.east_rep2,
            customer=w.mill_customer,
            stage_code="P1",
            name="G",
            amount=Decimal("300000"),
            sign_date=dt.date(2027, 7, 1),
        ),
        "omitted",
    )
    return w
