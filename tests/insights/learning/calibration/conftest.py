"""Constructed histories: snapshots taken by hand with the calls named, the outcomes set on the
deals afterwards, so every ratio and slip has a known answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from kam.insights.models import Snapshot, SnapshotRow
from kam.opportunities.models import Opportunity, OpportunityStatus
from tests.factories import make_opportunity, stage


@pytest.fixture(autouse=True)
def _fresh_records():
    """An owner's record is kept in the cache under the latest snapshot's id, and a rolled-back
    test's ids come back in the next one: each test starts without kept records."""
    cache.clear()
    yield
    cache.clear()


# The day the tests read the forecast on: the period is 2027 Q1.
TODAY = dt.date(2027, 2, 10)
Q1 = (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
CALLED_SIGN = dt.date(2026, 9, 30)


def take(day: dt.date) -> Snapshot:
    return Snapshot.objects.create(taken_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))))


def call(
    snapshot: Snapshot,
    opportunity: Opportunity,
    *,
    category: str = "commit",
    stage_code: str = "P5",
    amount: str = "100000",
    sign_date: dt.date = CALLED_SIGN,
) -> SnapshotRow:
    """One row of `snapshot` as the review would have stored it for the deal then."""
    st = stage(stage_code)
    return SnapshotRow.objects.create(
        snapshot=snapshot,
        opportunity=opportunity,
        project_number=opportunity.project_number,
        name=opportunity.name,
        owner=opportunity.owner,
        team_id=opportunity.owner.team_id,
        customer=opportunity.customer,
        stage=st,
        stage_order=st.order,
        probability=st.probability,
        status="open",
        amount=Decimal(amount),
        sign_date=sign_date,
        forecast_category=category,
    )


def close(
    opportunity: Opportunity, status: str, *, amount: str | None = None, sign_date: dt.date | None = None
) -> None:
    """The outcome, written straight to the row: how it got there is not what is tested."""
    fields: dict = {"status": status, "closed_at": timezone.now()}
    if amount is not None:
        fields["amount"] = Decimal(amount)
    if sign_date is not None:
        fields["sign_date"] = sign_date
    Opportunity.objects.filter(pk=opportunity.pk).update(**fields)


def history_of(owner, outcomes, *, category: str = "commit", stage_code: str = "P5", day=dt.date(2026, 8, 3)):
    """One call per outcome, each on its own deal: (status, won amount, days slipped)."""
    snapshot = take(day)
    deals = []
    for n, (status, won_amount, slip) in enumerate(outcomes):
        opp = make_opportunity(owner=owner, name=f"{owner.username} call {category} {n}")
        call(snapshot, opp, category=category, stage_code=stage_code)
        close(
            opp,
            status,
            amount=won_amount,
            sign_date=CALLED_SIGN + dt.timedelta(days=slip) if slip is not None else None,
        )
        deals.append(opp)
    return deals


WON = OpportunityStatus.WON
LOST = OpportunityStatus.LOST
DROPPED = OpportunityStatus.DROPPED


@pytest.fixture
def east_record(world):
    """east_rep: five closed commit calls at P5 of 100,000 each: won at 100k, 100k and 80k (slipped
    30, 40 and 50 days), one lost, one dropped → 56 % of commit by amount; five closed best-case
    calls: two won at 100k (slipped 40 days each), three lost → 40 %; five slips at P5 averaging
    40 days."""
    commit = history_of(
        world.east_rep,
        [
            (WON, "100000", 30),
            (WON, "100000", 40),
            (WON, "80000", 50),
            (LOST, None, None),
            (DROPPED, None, None),
        ],
    )
    best_case = history_of(
        world.east_rep,
        [
            (WON, "100000", 40),
            (WON, "100000", 40),
            (LOST, None, None),
            (LOST, None, None),
            (LOST, None, None),
        ],
        category="best_case",
    )
    return commit + best_case


@pytest.fixture
def period_deals(world, east_record):
    """east_rep's 2027 Q1: commit 200k at P5 signing 10 March (21 days before the end: a 40-day
    slip takes it out), commit 300k at P5 signing 20 January (stays), best case 100k at P5 signing
    1 February (stays), and 50k already won in the period. The world's P0 deals count as pipeline."""
    Opportunity.objects.filter(pk__in=[world.east_opp.pk, world.east_opp2.pk, world.west_opp.pk]).update(
        forecast_category="pipeline"
    )
    rep = world.east_rep
    late = make_opportunity(
        owner=rep,
        name="Late commit",
        stage_code="P5",
        amount=Decimal("200000"),
        sign_date=dt.date(2027, 3, 10),
        forecast_category="commit",
    )
    early = make_opportunity(
        owner=rep,
        name="Early commit",
        stage_code="P5",
        amount=Decimal("300000"),
        sign_date=dt.date(2027, 1, 20),
        forecast_category="commit",
    )
    best = make_opportunity(
        owner=rep,
        name="Best case",
        stage_code="P5",
        amount=Decimal("100000"),
        sign_date=dt.date(2027, 2, 1),
        forecast_category="best_case",
    )
    won = make_opportunity(
        owner=rep, name="Won in Q1", stage_code="P5", amount=Decimal("50000"), sign_date=dt.date(2027, 1, 15)
    )
    close(won, WON)
    return late, early, best, won
