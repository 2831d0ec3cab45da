"""Two 1×5 metrics and the activities they count, shared by the scorecard's tests.

"DM visits": visits (every kind that counts as one) to tier A customers with a contact who is a
decision maker in some opportunity's chain, at least 2 per week.
"Tech exchanges": technical exchanges, any customer, at least 1 per month.

Week of 2026-06-01: east_rep 2 DM visits (pass at exactly the minimum), east_rep2 1 (one below:
miss). Week of 2026-05-25: east_rep 1 (miss). Activities that must not count: a visit with no
contact, a call (not a visit kind) with the decision maker, a visit to a tier B customer with its
decision maker, a planned visit, a visit with a contact who is only an influencer.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kam.activities.metrics import services
from kam.activities.models import ActivityKind, ActivityStatus
from kam.customers.models import Customer
from kam.opportunities.models import OpportunityContact
from tests.activities.time.factories import log
from tests.factories import ContactFactory, CustomerFactory, make_opportunity

WEEK = dt.date(2026, 6, 1)
PREVIOUS_WEEK = dt.date(2026, 5, 25)


@pytest.fixture
def metrics(world):
    w = world
    w.dm_visits = services.create_metric(
        by=w.director,
        name="拜访A类客户决策者",
        name_en="DM visits",
        tier="A",
        decision_role="decision_maker",
        cycle="week",
        minimum=2,
    )
    w.tech = services.create_metric(
        by=w.director,
        name="技术交流",
        name_en="Tech exchanges",
        kinds=[ActivityKind.objects.get(code="technical-exchange")],
        cycle="month",
        minimum=1,
        order=1,
    )
    return w


@pytest.fixture
def process(metrics):
    w = metrics
    east_dm = ContactFactory(customer=w.east_customer, name="East DM")
    east_influencer = ContactFactory(customer=w.east_customer, name="East influencer")
    OpportunityContact.objects.create(opportunity=w.east_opp, contact=east_dm, decision_role="decision_maker")
    OpportunityContact.objects.create(
        opportunity=w.east_opp, contact=east_influencer, decision_role="influencer"
    )
    east2_customer = w.east_opp2.customer
    east2_dm = ContactFactory(customer=east2_customer, name="East2 DM")
    OpportunityContact.objects.create(
        opportunity=w.east_opp2, contact=east2_dm, decision_role="decision_maker"
    )
    b_customer = CustomerFactory(owner=w.east_rep, name="B customer")
    b_dm = ContactFactory(customer=b_customer, name="B DM")
    b_opp = make_opportunity(owner=w.east_rep, customer=b_customer, name="B deal")
    OpportunityContact.objects.create(opportunity=b_opp, contact=b_dm, decision_role="decision_maker")

    log(w.east_rep, w.east_customer, "visit", 60, WEEK, contacts=[east_dm])
    log(w.east_rep, w.east_customer, "meal", 90, dt.date(2026, 6, 7), hour=20, contacts=[east_dm])
    log(w.east_rep, w.east_customer, "visit", 60, PREVIOUS_WEEK, contacts=[east_dm])
    log(w.east_rep2, east2_customer, "visit", 60, dt.date(2026, 6, 3), contacts=[east2_dm])
    log(w.east_rep2, east2_customer, "technical-exchange", 120, dt.date(2026, 6, 4))
    # Not counted by the DM metric:
    log(w.east_rep, w.east_customer, "visit", 60, dt.date(2026, 6, 2))
    log(w.east_rep, w.east_customer, "call", 30, dt.date(2026, 6, 2), contacts=[east_dm])
    log(w.east_rep, b_customer, "visit", 60, dt.date(2026, 6, 2), contacts=[b_dm])
    log(
        w.east_rep,
        w.east_customer,
        "visit",
        60,
        dt.date(2026, 6, 5),
        contacts=[east_dm],
        status=ActivityStatus.PLANNED,
    )
    log(w.east_rep, w.east_customer, "visit", 60, dt.date(2026, 6, 5), contacts=[east_influencer])
    # Tiers last: opportunities and closes rescore their customers.
    Customer.objects.filter(pk__in=[w.east_customer.pk, east2_customer.pk]).update(tier="A")
    Customer.objects.filter(pk=b_customer.pk).update(tier="B")
    return w
