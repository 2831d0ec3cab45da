"""The customer pyramid against a hand-computed data set.

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
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.customers.models import Customer
from kam.customers.pyramid import selectors as pyramid
from kam.opportunities.models import Opportunity
from tests.factories import CustomerFactory, TeamFactory, UserFactory, make_opportunity

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


def test_page_with_the_last_possible_date_is_a_message_not_an_error(client, data, password):
    client.login(username="director", password=password)
    response = client.get(reverse("customers:pyramid"), {"as_of": "9999-12-31"})
    assert response.status_code == 400
    assert "Write the date as YYYY-MM-DD" in response.content.decode()


def test_page_shows_table_callouts_and_notes(client, data, password):
    client.login(username="director", password=password)
    response = client.get(reverse("customers:pyramid"), {"as_of": AS_OF})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-group="key" class="mismatch-over"' in page
    assert "¥2,050,000.00" in page and "¥820,000.00" in page
    assert "Key accounts: 14.3 % of customers" in page
    assert "1 won deal (¥100,000.00) has no gross margin" in page
    assert "Sales hours appear once activities are recorded" in page
    assert reverse("api:customer_pyramid") + "?by=segment&amp;as_of=2026-06-30" in page
    tier = client.get(reverse("customers:pyramid"), {"as_of": AS_OF, "by": "tier"}).content.decode()
    assert '<th scope="row">Tier D</th>' in tier


def test_page_with_a_bad_filter_shows_the_message_and_no_figures(client, data, password):
    client.login(username="east_rep", password=password)
    response = client.get(reverse("customers:pyramid"), {"owner": str(data.west_rep.pk)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose one of the people whose customers you can see." in page
    assert '<table class="data pyramid-table"' not in page


def test_empty_state(client, db, password):
    UserFactory(username="lonely")
    client.login(username="lonely", password=password)
    page = client.get(reverse("customers:pyramid")).content.decode()
    assert "No customers yet" in page
    assert 'id="pyramid-chart"' not in page


def test_navigation_has_the_pyramid(client, data, password):
    client.login(username="east_rep", password=password)
    page = client.get(reverse("customers:list")).content.decode()
    assert f'href="{reverse("customers:pyramid")}"' in page


def _many(boss, count):
    for i in range(count):
        customer = CustomerFactory(owner=boss)
        won(customer, boss, 1000 + i, "2026-05-01 10:00", Decimal("10") if i % 2 else None)
        place(customer, ("key", "important", "general")[i % 3], "ABCD"[i % 4])


@pytest.mark.parametrize("as_user", ["director", "east_mgr", "east_rep"])
def test_query_count_does_not_grow_with_customers(db, world, client, password, as_user):
    user = getattr(world, {"director": "director", "east_mgr": "east_mgr", "east_rep": "east_rep"}[as_user])
    owner = world.east_rep
    params = {"as_of": AS_OF, "team": str(world.east.pk), "owner": str(owner.pk)}
    if as_user == "east_rep":
        params.pop("team")

    def count() -> tuple[int, int, int]:
        fresh = type(user).objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as selector:
            filters, errors = pyramid.parse_filters(fresh, params)
            assert errors == {}
            pyramid.pyramid(fresh, filters)
        client.force_login(user)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("customers:pyramid"), params).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert client.get(reverse("api:customer_pyramid"), params).status_code == 200
        return len(selector), len(page), len(api)

    _many(owner, 3)
    few = count()
    _many(owner, 27)
    many = count()
    assert few == many
    selector, page, api = few
    # Team subtree and the manager's own teams add a query each; none depends on the rows.
    assert selector <= 7 and page <= 11 and api <= 9
