"""The hand-computed data set the customer pyramid's tests share (selectors, page, API).

As of 2026-06-30 (Asia/Shanghai) the window is 2025-07-01 … 2026-06-30. Customers and won deals:

    segment    tier  customer (owner)           won in window (margin → profit)         not counted
    key        A     K1 (east_rep)              600,000 @40 % → 240,000 (east_rep)       100,000 closed 2025-06-30 23:00
                                                 50,000 @20 % →  10,000 (east_rep2)      500,000 lost in window
    important  B     I1 (east_rep)              200,000 @30 % →  60,000
    important  B     I2 (east_rep2)             100,000 no margin → 0
    general    C     G1 (east_rep)              100,000 @10 % →  10,000 (2026-06-30 23:59) 70,000 closed 2026-07-01 00:30
    general    C     West Power (west_rep)    1,000,000 @50 % → 500,000
    general    D     East Steel (east_rep)      — (open deal only)
    general    D     east_rep2's customer       — (open deal only)

Director, by segment: customers 1 / 2 / 4 of 7; revenue 650,000 / 300,000 / 1,100,000 of 2,050,000;
profit 250,000 / 60,000 / 510,000 of 820,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from tests.factories import CustomerFactory, make_opportunity

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = "2026-06-30"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def won(customer, owner, amount, closed, margin=None, status="won"):
    opp = make_opportunity(owner=owner, customer=customer, amount=Decimal(amount), name=f"Deal {amount}")
    Opportunity.objects.filter(pk=opp.pk).update(status=status, closed_at=at(closed), gross_margin=margin)
    return opp


def place(customer, segment, tier):
    # Set after the deals: creating an opportunity rescores the customer.
    Customer.objects.filter(pk=customer.pk).update(segment=segment, tier=tier)


@pytest.fixture
def data(world):
    w = world
    k1 = CustomerFactory(name="K1", owner=w.east_rep)
    i1 = CustomerFactory(name="I1", owner=w.east_rep)
    i2 = CustomerFactory(name="I2", owner=w.east_rep2)
    g1 = CustomerFactory(name="G1", owner=w.east_rep)
    won(k1, w.east_rep, 600_000, "2026-01-15 10:00", Decimal("40"))
    won(k1, w.east_rep2, 50_000, "2025-09-01 10:00", Decimal("20"))
    won(k1, w.east_rep, 100_000, "2025-06-30 23:00", Decimal("40"))
    won(k1, w.east_rep, 500_000, "2026-03-01 10:00", Decimal("40"), status="lost")
    won(i1, w.east_rep, 200_000, "2025-12-01 10:00", Decimal("30"))
    won(i2, w.east_rep2, 100_000, "2026-02-01 10:00", None)
    won(g1, w.east_rep, 100_000, "2026-06-30 23:59", Decimal("10"))
    won(g1, w.east_rep, 70_000, "2026-07-01 00:30", Decimal("10"))
    won(w.west_customer, w.west_rep, 1_000_000, "2026-04-01 10:00", Decimal("50"))
    place(k1, "key", "A")
    place(i1, "important", "B")
    place(i2, "important", "B")
    place(g1, "general", "C")
    place(w.west_customer, "general", "C")
    place(w.east_customer, "general", "D")
    place(w.east_opp2.customer, "general", "D")
    w.k1, w.i1, w.i2, w.g1 = k1, i1, i2, g1
    return w
