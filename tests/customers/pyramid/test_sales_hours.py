"""The pyramid's sales-hours column: hours of done activities on each group's customers in the
same 12-month window, with their share, from one grouped query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kam.activities.models import ActivityStatus
from kam.customers.models import Customer
from kam.customers.pyramid import selectors as pyramid
from tests.activities.time.factories import log
from tests.customers.pyramid.conftest import AS_OF


def figures(user, **params):
    filters, errors = pyramid.parse_filters(user, {"as_of": AS_OF, **params})
    assert errors == {}
    return pyramid.pyramid(user, filters)


def test_hours_per_segment_in_the_window(data):
    key_customer = Customer.objects.get(name="K1")
    general_customer = Customer.objects.get(name="G1")
    log(data.east_rep, key_customer, "visit", 120, dt.date(2026, 6, 30), hour=23)  # last day counts
    log(data.east_mgr, key_customer, "meeting", 60, dt.date(2025, 7, 1), hour=0)  # first day counts
    log(data.east_rep, general_customer, "travel", 540, dt.date(2026, 3, 1))
    log(data.east_rep, general_customer, "visit", 600, dt.date(2025, 6, 30), hour=23)  # before the window
    log(data.east_rep, general_customer, "visit", 600, dt.date(2026, 3, 2), status=ActivityStatus.PLANNED)
    result = figures(data.director)
    rows = {row.key: row for row in result.rows}
    assert (rows["key"].sales_hours, rows["key"].sales_hours_share) == (Decimal("3.0"), Decimal("0.2500"))
    assert (rows["important"].sales_hours, rows["important"].sales_hours_share) == (
        Decimal("0.0"),
        Decimal("0.0000"),
    )
    assert (rows["general"].sales_hours, rows["general"].sales_hours_pct) == (Decimal("9.0"), "75 %")
    assert result.totals.sales_hours == Decimal("12.0")


def test_hours_follow_the_owner_filter_and_visibility(data):
    log(data.east_rep, Customer.objects.get(name="K1"), "visit", 120, dt.date(2026, 6, 1))
    west = Customer.objects.get(name="West Power")
    log(data.west_rep, west, "visit", 180, dt.date(2026, 6, 1))
    assert figures(data.east_mgr).totals.sales_hours == Decimal("2.0")
    assert figures(data.director, owner=str(data.west_rep.pk)).totals.sales_hours == Decimal("3.0")
    assert figures(data.director).totals.sales_hours == Decimal("5.0")


def test_pyramid_queries_do_not_grow_with_activities(data, django_assert_num_queries):
    with django_assert_num_queries(3):  # customers per group, won money per group, minutes per group
        figures_before = figures(data.director)
    k1 = Customer.objects.get(name="K1")
    for n in range(10):
        log(data.east_rep, k1, "visit", 60, dt.date(2026, 5, 1 + n))
    filters, _ = pyramid.parse_filters(data.director, {"as_of": AS_OF})
    with django_assert_num_queries(3):
        after = pyramid.pyramid(data.director, filters)
    assert after.totals.sales_hours == figures_before.totals.sales_hours + 10
