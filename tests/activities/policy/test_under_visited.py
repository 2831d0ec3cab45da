"""The under-visited list: the boundaries of the policy frequency, periods of one and three months,
the visits that count, filters, sorting, visibility and the statements it takes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone

from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.activities.policy.selectors import under_visited
from kam.customers.models import CustomerStatus, Tier
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def visits(customer, *days: dt.date, code: str = "visit", status: str = ActivityStatus.DONE) -> None:
    kind = ActivityKind.objects.get(code=code)
    for day in days:
        Activity.objects.create(
            kind=kind, status=status, start=at(day), owner=customer.owner, customer=customer, summary="Visit"
        )


def listed(user, **filters) -> dict[str, tuple[int, int, int]]:
    rows = under_visited(user, today=TODAY, **filters)[:100]
    return {r.customer.name: (r.required, r.done, r.gap) for r in rows}


@pytest.fixture
def b_customer(world):
    """Tier B: the seeded policy asks two visits a month."""
    return CustomerFactory(name="B Corp", owner=world.east_rep, tier=Tier.B)


def test_exactly_at_the_frequency_is_not_under_visited(world, b_customer):
    visits(b_customer, dt.date(2026, 5, 20), dt.date(2026, 6, 10))
    assert "B Corp" not in listed(world.east_rep)


def test_one_visit_below_the_frequency_is_under_visited(world, b_customer):
    visits(b_customer, dt.date(2026, 6, 10))
    assert listed(world.east_rep)["B Corp"] == (2, 1, 1)


def test_the_window_starts_the_same_day_one_period_back(world, b_customer):
    # 15 May is inside the last month up to 15 June; 14 May is not.
    visits(b_customer, dt.date(2026, 5, 15), dt.date(2026, 5, 14))
    assert listed(world.east_rep)["B Corp"] == (2, 1, 1)


def test_planned_cancelled_and_non_visit_kinds_do_not_count(world, b_customer):
    visits(b_customer, dt.date(2026, 6, 1), status=ActivityStatus.PLANNED)
    visits(b_customer, dt.date(2026, 6, 2), status=ActivityStatus.CANCELLED)
    visits(b_customer, dt.date(2026, 6, 3), code="call")
    visits(b_customer, dt.date(2026, 6, 20))  # after today
    assert listed(world.east_rep)["B Corp"] == (2, 0, 2)


def test_a_quarterly_policy_looks_back_three_months(world):
    """Tier C: once a quarter. A visit two months ago satisfies it; for a monthly B it does not."""
    c = CustomerFactory(name="C Corp", owner=world.east_rep, tier=Tier.C)
    b = CustomerFactory(name="B Corp", owner=world.east_rep, tier=Tier.B)
    visits(c, dt.date(2026, 4, 15))
    visits(b, dt.date(2026, 4, 15), dt.date(2026, 4, 16))
    rows = listed(world.east_rep)
    assert "C Corp" not in rows
    assert rows["B Corp"] == (2, 0, 2)


def test_three_periods_multiply_the_requirement_and_the_window(world):
    c = CustomerFactory(name="C Corp", owner=world.east_rep, tier=Tier.C)
    b = CustomerFactory(name="B Corp", owner=world.east_rep, tier=Tier.B)
    # Nine months back for C (once a quarter × 3), three months back for B (twice a month × 3).
    visits(c, dt.date(2025, 9, 15), dt.date(2026, 4, 15))
    visits(b, dt.date(2026, 3, 15), dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1))
    rows = listed(world.east_rep, periods=3)
    assert rows["C Corp"] == (3, 2, 1)
    assert rows["B Corp"] == (6, 4, 2)
    visits(c, dt.date(2026, 6, 1))
    assert "C Corp" not in listed(world.east_rep, periods=3)


def test_sorted_by_tier_then_the_largest_gap(world):
    a1 = CustomerFactory(name="A small gap", owner=world.east_rep, tier=Tier.A)
    CustomerFactory(name="A big gap", owner=world.east_rep, tier=Tier.A)
    CustomerFactory(name="B none", owner=world.east_rep, tier=Tier.B)
    visits(a1, dt.date(2026, 6, 1), dt.date(2026, 6, 2), dt.date(2026, 6, 3))
    names = [r.customer.name for r in under_visited(world.east_rep, today=TODAY)[:10]]
    assert names[:3] == ["A big gap", "A small gap", "B none"]


def test_lost_customers_are_not_listed(world):
    CustomerFactory(name="Gone", owner=world.east_rep, tier=Tier.A, status=CustomerStatus.LOST)
    assert "Gone" not in listed(world.east_rep)


def test_customers_in_the_public_pool_are_not_listed(world):
    """A pooled customer keeps its last owner on the row, but it is nobody's to visit."""
    CustomerFactory(name="Pooled", owner=world.east_rep, tier=Tier.A, in_pool=True)
    CustomerFactory(name="Kept", owner=world.east_rep, tier=Tier.A)
    assert "Pooled" not in listed(world.director)
    assert "Kept" in listed(world.director)


def test_filters_by_team_owner_and_tier(world):
    CustomerFactory(name="East A", owner=world.east_rep2, tier=Tier.A)
    CustomerFactory(name="West A", owner=world.west_rep, tier=Tier.A)
    assert set(listed(world.director, team=world.west.pk)) == {"West A", "West Power"}
    assert set(listed(world.director, owner=world.east_rep2)) == {"East A", world.east_opp2.customer.name}
    assert set(listed(world.director, tier=Tier.A)) == {"East A", "West A"}


def test_a_rep_sees_only_customers_they_can_see(world):
    CustomerFactory(name="West A", owner=world.west_rep, tier=Tier.A)
    assert "West A" not in listed(world.east_rep)
    assert "West A" in listed(world.west_mgr)


def test_row_carries_owner_tier_and_last_touch(world, b_customer):
    row = next(r for r in under_visited(world.east_rep, today=TODAY)[:10] if r.customer == b_customer)
    assert (row.tier, row.owner, row.last_touch_at) == (Tier.B, world.east_rep, None)


def test_a_page_reads_three_statements_however_many_rows(world, django_assert_num_queries):
    for i in range(30):
        customer = CustomerFactory(name=f"Many {i:02d}", owner=world.west_rep, tier=Tier.B)
        visits(customer, dt.date(2026, 6, 1))
    # The policy rows, the count (on PostgreSQL the first page's keys with it), the page's keys,
    # the page's customers.
    with django_assert_num_queries(4):
        page = Paginator(under_visited(world.director, today=TODAY, page_size=10), 10).page(2)
        rows = [(r.customer.name, r.owner.username, r.required, r.done, r.gap) for r in page]
    assert page.paginator.count == 30 + 3  # the world's three D customers, never visited
    assert rows[0] == ("Many 10", "west_rep", 2, 1, 1)
    assert len(rows) == 10


def test_the_first_page_and_the_count_agree_with_a_fresh_read(world):
    for i in range(12):
        CustomerFactory(name=f"Many {i:02d}", owner=world.west_rep, tier=Tier.B)
    listed = under_visited(world.director, today=TODAY, page_size=5)
    assert listed.count() == 15
    assert [r.customer.name for r in listed[:5]] == [f"Many {i:02d}" for i in range(5)]
    assert [r.customer.name for r in listed[10:15]] == [
        "Many 10",
        "Many 11",
        *sorted(c.name for c in (world.east_customer, world.west_customer, world.east_opp2.customer)),
    ]
    assert listed[3].customer.name == "Many 03"
    with pytest.raises(IndexError):
        listed[15]


def test_a_first_page_is_at_most_three_statements(world, django_assert_max_num_queries):
    for _ in range(8):
        CustomerFactory(owner=world.west_rep, tier=Tier.B)
    # Three on PostgreSQL (the total comes with the keys), four on SQLite.
    with django_assert_max_num_queries(3 if connection.vendor == "postgresql" else 4):
        page = Paginator(under_visited(world.director, today=TODAY, page_size=10), 10).page(1)
        assert len([r.gap for r in page]) == 10
