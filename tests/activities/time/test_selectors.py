"""Sales time analysis: hours per category, the revenue-producing share against the §10 bands at
their boundaries, time by tier beside the shares of customers and profit, visibility, queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.activities.models import ActivityStatus
from kam.activities.time import selectors
from kam.activities.time.selectors import band, time_analysis
from kam.customers.models import Customer
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity
from tests.activities.time.factories import at, log
from tests.factories import CustomerFactory, UserFactory

JUNE = dt.date(2026, 6, 1)
D = Decimal


@pytest.mark.parametrize(
    ("revenue", "total", "expected"),
    [
        (400, 1000, "good"),  # 40 %: good starts here
        (500, 1000, "good"),
        (700, 1000, "good"),  # above the band is still good
        (399, 1000, "between"),  # 39.9 %
        (251, 1000, "between"),
        (250, 1000, "ordinary"),  # 25 %: the top of ordinary
        (150, 1000, "ordinary"),  # 15 %: the bottom of ordinary
        (149, 1000, "low"),  # 14.9 %
        (0, 60, "low"),
        (0, 0, ""),
    ],
)
def test_band_boundaries(revenue, total, expected):
    assert band(revenue, total) == expected


@pytest.fixture
def june(world):
    """east_rep 40 % (good), east_rep2 39.9 % (between), west_rep 25 % (ordinary), all in June."""
    w = world
    day = dt.date(2026, 6, 10)
    log(w.east_rep, w.east_customer, "visit", 240, day)  # selling
    log(w.east_rep, w.east_customer, "admin", 360, day)
    east2_customer = w.east_opp2.customer
    log(w.east_rep2, east2_customer, "proposal", 399, day)  # proposals and bids
    log(w.east_rep2, east2_customer, "travel", 601, day)
    log(w.west_rep, w.west_customer, "account-planning", 250, day)  # planning
    log(w.west_rep, w.west_customer, "internal-meeting", 750, day)
    # Outside the month, planned or cancelled: never counted.
    log(w.east_rep, w.east_customer, "visit", 600, dt.date(2026, 5, 31), hour=23)
    log(w.east_rep, w.east_customer, "visit", 600, dt.date(2026, 7, 1), hour=0)
    log(w.east_rep, w.east_customer, "visit", 600, day, status=ActivityStatus.PLANNED)
    return w


def rows(result):
    return {row.label: row for row in result.reps}


def test_hours_per_category_share_and_band_per_rep(june):
    w = june
    result = time_analysis(w.director, month=JUNE)
    reps = rows(result)
    assert set(reps) == {str(w.east_rep), str(w.east_rep2), str(w.west_rep)}
    east = reps[str(w.east_rep)]
    assert east.minutes == {"selling": 240, "admin": 360}
    assert (east.total_hours, east.revenue_hours, east.revenue_share, east.band) == (
        D("10.0"),
        D("4.0"),
        D("0.4000"),
        "good",
    )
    east2 = reps[str(w.east_rep2)]
    assert (east2.revenue_share, east2.band, east2.revenue_pct) == (D("0.3990"), "between", "39.9 %")
    west = reps[str(w.west_rep)]
    assert (west.revenue_share, west.band) == (D("0.2500"), "ordinary")
    # The table's columns: revenue-producing categories first.
    assert selectors.CATEGORY_ORDER[:3] == ("selling", "planning", "proposal")
    assert west.category_hours[1] == D("4.2")  # 250 minutes of planning


def test_team_rows_add_up_their_people(june):
    w = june
    result = time_analysis(w.director, month=JUNE)
    teams = {row.label: row for row in result.teams}
    east = teams["East"]
    assert east.minutes == {"selling": 240, "admin": 360, "proposal": 399, "travel": 601}
    # (240 + 399) / 1600 = 39.94 %
    assert (east.revenue_share, east.band) == (D("0.3994"), "between")
    assert teams["West"].band == "ordinary"
    assert result.total.total_minutes == 2600


def test_low_below_fifteen_percent(world):
    w = world
    log(w.west_rep, w.west_customer, "negotiation", 149, dt.date(2026, 6, 3))
    log(w.west_rep, w.west_customer, "report", 851, dt.date(2026, 6, 3))
    row = rows(time_analysis(w.director, month=JUNE))[str(w.west_rep)]
    assert (row.revenue_pct, row.band, row.band_label) == ("14.9 %", "low", "low")


def test_time_by_tier_beside_shares_of_customers_and_profit(june):
    w = june
    # Won in the 12 months up to June's end: A brings 300k × 50 %, B 100k × 50 % (west).
    Opportunity.objects.filter(pk=w.east_opp.pk).update(gross_margin=D("50"), amount=D("300000"))
    Opportunity.objects.filter(pk=w.west_opp.pk).update(gross_margin=D("50"), amount=D("100000"))
    for opportunity, closed in (
        (w.east_opp, at(dt.date(2026, 3, 1))),
        (w.west_opp, at(dt.date(2026, 6, 30), 23)),
    ):
        opportunity.refresh_from_db()
        opportunity_services.close_opportunity(
            opportunity, by=opportunity.owner, status="won", reason="Best offer", closed_at=closed
        )
    # Tiers set after the closes, which rescore the customers.
    Customer.objects.filter(pk=w.east_customer.pk).update(tier="A")
    Customer.objects.filter(pk__in=[w.east_opp2.customer_id, w.west_customer.pk]).update(tier="B")
    tiers = {row.tier: row for row in time_analysis(w.director, month=JUNE).tiers}
    # Hours: A 600 of 2600 minutes, B 2000.
    assert (tiers["A"].hours, tiers["A"].hours_share) == (D("10.0"), D("0.2308"))
    assert (tiers["B"].hours, tiers["B"].hours_share) == (D("33.3"), D("0.7692"))
    assert (tiers["C"].hours, tiers["C"].hours_share) == (D("0.0"), D("0.0000"))
    # Customers: A 1 of 3, B 2 of 3.
    assert (tiers["A"].customer_share, tiers["B"].customer_share) == (D("0.3333"), D("0.6667"))
    # Profit: A 150,000, B 50,000 → 75 % / 25 %.
    assert (tiers["A"].profit, tiers["A"].profit_share) == (D("150000.00"), D("0.7500"))
    assert (tiers["B"].profit, tiers["B"].profit_share) == (D("50000.00"), D("0.2500"))
    assert tiers["D"].customers == 0 and tiers["D"].profit_share == D("0.0000")


def test_rep_sees_only_own_time(june):
    w = june
    # The manager's visit to the rep's customer is the manager's time, not the rep's.
    log(w.east_mgr, w.east_customer, "visit", 120, dt.date(2026, 6, 11))
    reps = rows(time_analysis(w.east_rep, month=JUNE))
    assert list(reps) == [str(w.east_rep)]
    assert reps[str(w.east_rep)].total_minutes == 600


def test_manager_sees_own_team_only(june):
    w = june
    reps = rows(time_analysis(w.east_mgr, month=JUNE))
    assert set(reps) == {str(w.east_rep), str(w.east_rep2)}
    assert [t.label for t in time_analysis(w.west_mgr, month=JUNE).teams] == ["West"]


def test_team_and_owner_filters(june):
    w = june
    assert set(rows(time_analysis(w.director, month=JUNE, team=w.west))) == {str(w.west_rep)}
    assert set(rows(time_analysis(w.director, month=JUNE, owner=w.east_rep2))) == {str(w.east_rep2)}
    # The root team's subtree holds both teams.
    assert len(time_analysis(w.director, month=JUNE, team=w.root).reps) == 3


def test_parse_filters_refuses_what_the_user_cannot_pick(world):
    w = world
    filters, errors = selectors.parse_filters(w.east_mgr, {"month": "2026-13", "team": str(w.west.pk)})
    assert set(errors) == {"month", "team"}
    filters, errors = selectors.parse_filters(w.east_mgr, {"month": "2026-06", "owner": str(w.east_rep.pk)})
    assert errors == {} and filters.month == JUNE and filters.owner == w.east_rep
    _, errors = selectors.parse_filters(w.east_rep, {"owner": str(w.west_rep.pk)})
    assert set(errors) == {"owner"}


def test_a_rep_who_logged_nothing_is_listed_with_no_band(june):
    w = june
    idle = UserFactory(username="idle_rep", team=w.east)
    UserFactory(username="gone_rep", team=w.east, is_active=False)
    reps = rows(time_analysis(w.east_mgr, month=JUNE))
    assert set(reps) == {str(w.east_rep), str(w.east_rep2), str(idle)}
    assert (reps[str(idle)].total_minutes, reps[str(idle)].band, reps[str(idle)].band_label) == (0, "", "—")
    # Outside the manager's teams, or outside the chosen rep, nobody is added.
    only = rows(time_analysis(w.director, month=JUNE, owner=w.west_rep))
    assert set(only) == {str(w.west_rep)}


def test_queries_do_not_grow_with_activities(june, django_assert_num_queries):
    w = june
    # The month's hours grouped by owner, category and tier; the reps without time; customers
    # per tier; profit per tier.
    with django_assert_num_queries(4):
        time_analysis(w.director, month=JUNE)
    for n in range(20):
        customer = CustomerFactory(owner=w.east_rep)
        log(w.east_rep, customer, "visit", 30 + n, dt.date(2026, 6, 12))
    with django_assert_num_queries(4):
        result = time_analysis(w.director, month=JUNE)
    assert rows(result)[str(w.east_rep)].total_minutes == 600 + sum(30 + n for n in range(20))


def test_monthly_trend_six_months_up_to_the_chosen_one(june, django_assert_num_queries):
    w = june
    log(w.east_rep, w.east_customer, "visit", 60, dt.date(2026, 1, 1), hour=0)  # first local hour of January
    log(w.east_rep, w.east_customer, "admin", 60, dt.date(2025, 12, 31), hour=23)  # before the six months
    with django_assert_num_queries(1):
        trend = selectors.monthly_trend(w.director, month=JUNE)
    assert [row.key for row in trend] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    months = {row.key: row for row in trend}
    assert (months["2026-01"].total_minutes, months["2026-01"].band) == (60, "good")
    assert months["2026-05"].minutes == {"selling": 600}  # 31 May 23:00 local
    assert (months["2026-06"].total_minutes, months["2026-06"].revenue_share) == (2600, D("0.3419"))
    assert months["2026-02"].band == ""
    # The same scope as the analysis: a rep's months are their own time.
    mine = {row.key: row for row in selectors.monthly_trend(w.west_rep, month=JUNE)}
    assert mine["2026-06"].total_minutes == 1000 and mine["2026-01"].total_minutes == 0
