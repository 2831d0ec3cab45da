"""The customer pyramid's figures against the hand-computed data set of conftest.py: shares, the
window, mismatches, visibility, filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kam.customers.pyramid import selectors as pyramid
from tests.customers.pyramid.conftest import AS_OF, place, won
from tests.factories import CustomerFactory, TeamFactory, UserFactory


def figures(user, **params):
    filters, errors = pyramid.parse_filters(user, {"as_of": AS_OF, **params})
    assert errors == {}
    return pyramid.pyramid(user, filters)


def table(result):
    return {
        row.key: (
            row.customers,
            row.revenue,
            row.profit,
            row.customer_share,
            row.revenue_share,
            row.profit_share,
        )
        for row in result.rows
    }


D = Decimal


def test_director_sees_every_segment_with_hand_computed_shares(data):
    result = figures(data.director)
    assert table(result) == {
        "key": (1, D("650000.00"), D("250000.00"), D("0.1429"), D("0.3171"), D("0.3049")),
        "important": (2, D("300000.00"), D("60000.00"), D("0.2857"), D("0.1463"), D("0.0732")),
        "general": (4, D("1100000.00"), D("510000.00"), D("0.5714"), D("0.5366"), D("0.6220")),
    }
    totals = result.totals
    assert (totals.customers, totals.revenue, totals.profit) == (7, D("2050000.00"), D("820000.00"))
    assert totals.won_deals == 6
    assert (totals.deals_without_margin, totals.revenue_without_margin) == (1, D("100000.00"))
    assert [row.key for row in result.rows] == ["key", "important", "general"]


def test_window_is_the_twelve_months_up_to_the_as_of_day(data):
    filters, _ = pyramid.parse_filters(data.director, {"as_of": AS_OF})
    assert (filters.window_start, filters.window_end) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    # A day later the deal of 2026-07-01 00:30 counts and nothing drops out (the earliest counted
    # deal closed 2025-09-01).
    later = figures(data.director, as_of="2026-07-01")
    assert later.totals.revenue == D("2120000.00")
    # A year earlier only the deal of 2025-06-30 23:00 is inside.
    earlier = figures(data.director, as_of="2025-06-30")
    assert earlier.totals.revenue == D("100000.00")
    assert earlier.rows[0].revenue == D("100000.00")


def test_mismatch_is_called_out_and_highlighted(data):
    rows = {row.key: row for row in figures(data.director).rows}
    assert rows["key"].highlight == "over"  # 30.5 % of profit from 14.3 % of customers
    assert rows["important"].highlight == "under"  # 7.3 % of profit from 28.6 % of customers
    assert rows["general"].highlight == ""
    assert rows["key"].callout.startswith(
        "Key accounts: 14.3 % of customers, 31.7 % of revenue, 30.5 % of profit."
    )
    assert "2.1×" in rows["key"].callout


def test_classic_pyramid_reads_as_in_the_domain_guide(db):
    """4 % / 16 % / 80 % of customers with 64 % / 16 % / 20 % of profit."""
    boss = UserFactory(role="director")
    layout = [("key", 1, 640_000), ("important", 4, 160_000), ("general", 20, 200_000)]
    for segment, count, profit in layout:
        for i in range(count):
            customer = CustomerFactory(owner=boss)
            if i == 0:
                won(customer, boss, profit, "2026-05-01 10:00", Decimal("100"))
            place(customer, segment, "A")
    rows = {row.key: row for row in figures(boss).rows}
    assert rows["key"].callout == (
        "Key accounts: 4 % of customers, 64 % of revenue, 64 % of profit. "
        "They bring 16.0× their share of customers in profit."
    )
    assert rows["important"].highlight == ""
    assert rows["general"].highlight == "under"
    assert rows["general"].callout.startswith(
        "General accounts: 80 % of customers, 20 % of revenue, 20 % of profit."
    )


def test_rep_counts_only_own_customers_and_deals_they_may_see(data):
    result = figures(data.east_rep)
    assert table(result) == {
        # K1's 50,000 deal belongs to east_rep2: the customer is visible, that deal is not.
        "key": (1, D("600000.00"), D("240000.00"), D("0.2500"), D("0.6667"), D("0.7742")),
        "important": (1, D("200000.00"), D("60000.00"), D("0.2500"), D("0.2222"), D("0.1935")),
        "general": (2, D("100000.00"), D("10000.00"), D("0.5000"), D("0.1111"), D("0.0323")),
    }
    # West Power (another team) is in no figure.
    assert result.totals.revenue == D("900000.00")


def test_by_tier(data):
    result = figures(data.director, by="tier")
    assert [row.key for row in result.rows] == ["A", "B", "C", "D"]
    assert [row.label for row in result.rows] == ["Tier A", "Tier B", "Tier C", "Tier D"]
    assert {row.key: (row.customers, row.revenue, row.profit) for row in result.rows} == {
        "A": (1, D("650000.00"), D("250000.00")),
        "B": (2, D("300000.00"), D("60000.00")),
        "C": (2, D("1100000.00"), D("510000.00")),
        "D": (2, D("0.00"), D("0.00")),
    }
    assert result.rows[3].profit_share == D("0.0000")


def test_team_filter_takes_the_subtree(data):
    sub = TeamFactory(name="East North", parent=data.east)
    north_rep = UserFactory(team=sub)
    north = CustomerFactory(owner=north_rep)
    place(north, "key", "A")
    east = figures(data.director, team=str(data.east.pk))
    assert [row.customers for row in east.rows] == [2, 2, 3]
    assert east.totals.revenue == D("1050000.00")
    west = figures(data.director, team=str(data.west.pk))
    assert [row.customers for row in west.rows] == [0, 0, 1]
    assert west.totals.profit == D("500000.00")
    # The manager of East sees the same for their team.
    assert table(figures(data.east_mgr, team=str(data.east.pk))) == table(east)


def test_owner_filter_and_no_profit_at_all(data):
    result = figures(data.director, owner=str(data.east_rep2.pk))
    assert [row.customers for row in result.rows] == [0, 1, 1]
    # I2's deal has no margin; K1's east_rep2 deal is on a customer east_rep2 does not own.
    assert result.totals.revenue == D("100000.00")
    assert result.totals.profit == D("0.00")
    assert all(row.profit_share is None for row in result.rows)
    assert result.rows[1].callout.endswith("no gross profit recorded.")


def test_bad_filters_are_field_errors(data):
    _, errors = pyramid.parse_filters(
        data.east_rep,
        {"by": "size", "as_of": "30.06.2026", "team": str(data.west.pk), "owner": str(data.west_rep.pk)},
    )
    assert set(errors) == {"by", "as_of", "team", "owner"}
    _, errors = pyramid.parse_filters(data.east_mgr, {"owner": "abc", "team": "99999999999999999999999"})
    assert set(errors) == {"owner", "team"}
    # The last date a calendar has cannot end a window that runs to the next midnight.
    filters, errors = pyramid.parse_filters(data.director, {"as_of": "9999-12-31"})
    assert set(errors) == {"as_of"} and filters.as_of == pyramid.today()
