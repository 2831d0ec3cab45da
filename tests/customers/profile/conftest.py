"""Shared by the 360° page's tests (sections, roll-ups, forecast, API): how a section is fetched and
counted, won and bulk deals, and two data sets: a three-level group with a subsidiary of another
team, and deals signing around 2027-05-10 for the customer's forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity, OpportunityStatus
from tests.factories import CustomerFactory, make_opportunity, stage

D = Decimal


def get_section(client, name, customer, *, htmx=True, **params):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(reverse(f"customers:{name}", args=[customer.pk]), params, **headers)


def count_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(queries)


def won(opportunity, user, days_ago):
    return opportunity_services.close_opportunity(
        opportunity,
        by=user,
        status=OpportunityStatus.WON,
        reason="Signed",
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def bulk_opportunities(customer, owner, count, *, status=OpportunityStatus.OPEN, start=0):
    """Many rows without the service's per-row history: the page reads them, it does not write them."""
    p4 = stage("P4")
    Opportunity.objects.bulk_create(
        Opportunity(
            project_number=f"BULK-{customer.pk}-{start + index:05d}",
            name=f"Deal {start + index:04d}",
            customer=customer,
            owner=owner,
            stage=p4,
            status=status,
            amount=D(1000 + index),
            sign_date=dt.date(2027, 1, 1) + dt.timedelta(days=index % 700),
        )
        for index in range(count)
    )


# --- the group: three levels, one subsidiary of another team ---------------------------------------


@pytest.fixture
def group(world):
    """Root ─ Sub ─ Plant (east_rep's), and West Sub ─ West Plant (west_rep's) with Ningbo Plant
    (east_rep's) under West Sub. Figures in the comments: own open count / open / weighted / won 12m."""
    rep, west = world.east_rep, world.west_rep
    root = CustomerFactory(name="Root Group", owner=rep)
    sub = CustomerFactory(name="Sub Holding", owner=rep, parent=root)
    plant = CustomerFactory(name="Plant Three", owner=rep, parent=sub)
    west_sub = CustomerFactory(name="West Sub", owner=west, parent=root)
    west_plant = CustomerFactory(name="West Plant", owner=west, parent=west_sub)
    ningbo = CustomerFactory(name="Ningbo Plant", owner=rep, parent=west_sub)
    # Root: 1 / 1,000,000 / 500,000 / 300,000 (a win of 400 days ago and a lost deal do not count)
    make_opportunity(owner=rep, customer=root, stage_code="P4", amount=D("1000000"), name="Root open")
    won(make_opportunity(owner=rep, customer=root, amount=D("300000"), name="Root won"), rep, 30)
    won(make_opportunity(owner=rep, customer=root, amount=D("999"), name="Root old win"), rep, 400)
    opportunity_services.close_opportunity(
        make_opportunity(owner=rep, customer=root, amount=D("5000"), name="Root lost"),
        by=rep,
        status=OpportunityStatus.LOST,
        reason="Price",
    )
    # Sub: 2 / 600,000 / 120,000 / 0 (one amount is a range: its middle counts)
    make_opportunity(owner=rep, customer=sub, stage_code="P2", amount=D("400000"), name="Sub open")
    make_opportunity(
        owner=rep,
        customer=sub,
        stage_code="P0",
        amount=None,
        amount_low=D("100000"),
        amount_high=D("300000"),
        name="Sub range",
    )
    # Plant: 1 / 100,000 / 90,000 / 200,000
    make_opportunity(owner=rep, customer=plant, stage_code="P6", amount=D("100000"), name="Plant open")
    won(make_opportunity(owner=rep, customer=plant, amount=D("200000"), name="Plant won"), rep, 10)
    # Ningbo: 1 / 50,000 / 15,000 / 0
    make_opportunity(owner=rep, customer=ningbo, stage_code="P3", amount=D("50000"), name="Ningbo open")
    # West Sub: 1 / 2,000,000 / 1,500,000 / 500,000 — West Plant: 1 / 100,000 / 20,000 / 0
    make_opportunity(owner=west, customer=west_sub, stage_code="P5", amount=D("2000000"), name="West open")
    won(make_opportunity(owner=west, customer=west_sub, amount=D("500000"), name="West won"), west, 5)
    make_opportunity(owner=west, customer=west_plant, stage_code="P1", amount=D("100000"), name="West plant")
    return locals()


# --- forecast --------------------------------------------------------------------------------------


@pytest.fixture
def forecast_deals(world):
    """Sign dates around 2027-05-10 (quarters 2027 Q2 … 2028 Q1)."""
    rep, customer = world.east_rep, CustomerFactory(owner=world.east_rep, name="Forecast Co")

    def deal(name, amount, sign, code="P0", category="", status=None, owner=rep):
        opportunity = make_opportunity(
            owner=owner,
            customer=customer,
            name=name,
            amount=D(amount),
            sign_date=sign,
            stage_code=code,
            forecast_category=category,
        )
        if status:
            opportunity_services.close_opportunity(opportunity, by=owner, status=status, reason="x")
        return opportunity

    deal("Q2 commit", "1000000", dt.date(2027, 5, 20), "P4", "commit")
    deal("Q2 pipeline", "400000", dt.date(2027, 6, 30), "P2")
    deal("Q3 best case", "200000", dt.date(2027, 8, 1), "P5", "best_case")
    deal("Q1 won", "300000", dt.date(2027, 2, 1), status=OpportunityStatus.WON)
    deal("Q3 won", "100000", dt.date(2027, 7, 15), status=OpportunityStatus.WON)
    deal("Next Q1 commit", "50000", dt.date(2028, 2, 1), "P0", "commit")
    deal("Too late", "70000", dt.date(2028, 5, 1))
    deal("Lost", "999", dt.date(2027, 5, 20), status=OpportunityStatus.LOST)
    deal("Q4 omitted", "10000", dt.date(2027, 11, 1), "P1", "omitted")
    deal("West's deal", "800000", dt.date(2027, 5, 25), "P4", owner=world.west_rep)
    return customer
