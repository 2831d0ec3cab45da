"""Demand against capacity: the §10 worked example, capacity defaults and edits, scope and queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kam.activities.models import SellingCapacity, VisitPolicy
from kam.activities.policy.selectors import PolicyValues, demand_against_capacity
from kam.customers.models import Customer, CustomerStatus, Tier
from kam.org.models import Role
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def many_customers(owner, tier: str, count: int, **extra) -> None:
    Customer.objects.bulk_create(
        Customer(name=f"{tier} customer {owner.pk}-{i}", owner=owner, tier=tier, **extra)
        for i in range(count)
    )


def set_policy(tier: str, visits: int, months: int, hours: str) -> None:
    VisitPolicy.objects.update_or_create(
        tier=tier,
        segment="",
        defaults={"visits": visits, "period_months": months, "hours_per_visit": Decimal(hours)},
    )


@pytest.fixture
def section_ten(db):
    """DOMAIN.md §10: 80 A, 520 B and 2,000 C customers, each tier visited twice a month."""
    team = TeamFactory(name="Key accounts")
    director = UserFactory(username="boss", role=Role.DIRECTOR, team=team)
    rep = UserFactory(username="kam_rep", team=team)
    many_customers(rep, Tier.A, 80)
    many_customers(rep, Tier.B, 520)
    many_customers(rep, Tier.C, 2000)
    set_policy(Tier.A, 2, 1, "2")
    set_policy(Tier.B, 2, 1, "1")
    set_policy(Tier.C, 2, 1, "0.5")
    return director


def test_section_ten_demand_is_3360_hours_a_month(section_ten):
    report = demand_against_capacity(section_ten)
    by_tier = {p.tier: hours for p, _n, hours in report.per_policy}
    assert by_tier["A"] == Decimal(320)
    assert by_tier["B"] == Decimal(1040)
    assert by_tier["C"] == Decimal(2000)
    assert by_tier["D"] == Decimal(0)
    assert report.total.demand == Decimal(3360)
    assert report.total.customers == 2600


def test_section_ten_reallocation_needs_about_2222_hours(section_ten):
    """A 4/month × 3 h, B 2/month × 1 h, C once a quarter × 20 minutes: tried without saving."""
    twenty_minutes = (Decimal(20) / 60).quantize(Decimal("0.0001"))
    what_if = [
        PolicyValues(tier="A", segment="", visits=4, period_months=1, hours_per_visit=Decimal(3)),
        PolicyValues(tier="B", segment="", visits=2, period_months=1, hours_per_visit=Decimal(1)),
        PolicyValues(tier="C", segment="", visits=1, period_months=3, hours_per_visit=twenty_minutes),
        PolicyValues(tier="D", segment="", visits=1, period_months=6, hours_per_visit=Decimal("0.5")),
    ]
    report = demand_against_capacity(section_ten, policies=what_if)
    by_tier = {p.tier: hours for p, _n, hours in report.per_policy}
    assert by_tier["A"] == Decimal(960)
    assert by_tier["B"] == Decimal(1040)
    assert by_tier["C"].quantize(Decimal(1)) == Decimal(222)
    assert report.total.demand.quantize(Decimal(1)) == Decimal(2222)
    # Nothing was saved: the stored policy still gives 3,360 h.
    assert demand_against_capacity(section_ten).total.demand == Decimal(3360)


def test_capacity_is_80_hours_by_default_and_the_persons_own_when_set(world):
    SellingCapacity.objects.create(user=world.east_rep2, hours_per_month=Decimal("60"))
    report = demand_against_capacity(world.east_mgr)
    capacity = {o.person.username: o.load.capacity for o in report.owners}
    assert capacity == {"east_mgr": Decimal(80), "east_rep": Decimal(80), "east_rep2": Decimal(60)}
    assert [(t.team_name, t.load.capacity) for t in report.teams] == [("East", Decimal(220))]


def test_demand_per_owner_and_team_follows_the_tier_policy_and_skips_lost_customers(world):
    CustomerFactory(owner=world.east_rep, tier=Tier.A)
    CustomerFactory(owner=world.east_rep, tier=Tier.A, status=CustomerStatus.LOST)
    CustomerFactory(owner=world.east_rep, tier=Tier.A, in_pool=True)  # nobody's to visit
    report = demand_against_capacity(world.director)
    owners = {o.person.username: o.load for o in report.owners}
    # The seeded policy: A 4 a month × 3 h; D once in 6 months × 0.5 h.
    assert owners["east_rep"].demand == Decimal(12) + Decimal("0.5") / 6
    assert owners["east_rep"].customers == 2
    teams = {t.team_name: t.load for t in report.teams}
    assert teams["East"].demand == owners["east_rep"].demand + owners["east_rep2"].demand
    assert report.total.demand == sum((t.load.demand for t in report.teams), Decimal(0))
    # Directors and administrators sell no hours: only managers and reps make capacity.
    assert report.total.capacity == Decimal(80 * 5)


def test_a_segment_row_covers_customers_whose_tier_has_none(world):
    VisitPolicy.objects.filter(tier=Tier.D).delete()
    VisitPolicy.objects.create(segment="general", visits=1, period_months=12, hours_per_visit=Decimal("1.2"))
    report = demand_against_capacity(world.east_rep)
    assert report.total.customers == 1
    assert report.total.demand == Decimal("0.1")
    assert report.uncovered == 0


def test_a_rep_sees_only_their_own_load(world):
    report = demand_against_capacity(world.east_rep)
    assert [o.person for o in report.owners] == [world.east_rep]


def test_the_team_filter_keeps_the_teams_subtree(world):
    report = demand_against_capacity(world.director, team=world.west)
    assert {o.person.username for o in report.owners} == {"west_mgr", "west_rep"}


def test_demand_reads_a_fixed_number_of_queries(world, django_assert_num_queries):
    for _ in range(5):
        CustomerFactory(owner=world.west_rep, tier=Tier.B)
    with django_assert_num_queries(3):
        demand_against_capacity(world.director)
