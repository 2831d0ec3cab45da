"""Statements computed from kam's data: won deals and payments, deal-team splits, layers, attainment
bands at every edge, the star multiplier, cap and floor, approval and recomputation revisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.customers.models import Customer
from kam.opportunities.models import MemberRole, Opportunity
from kam.opportunities.services import set_member
from kam.org.models import Target
from kam.team.commission import selectors, services
from kam.team.commission.models import BandKind, Base, CustomerKind, StatementStatus
from kam.team.commission.services import LayerSpec
from kam.team.stars.selectors import Incentive
from tests.factories import CustomerFactory
from tests.team.commission.helpers import Q3_END, Q3_START, D, contract, payment, plan, won

pytestmark = pytest.mark.django_db


def statement(w, person, **kw):
    return services.create_statement(person, by=w.east_mgr, period_start=Q3_START, period_end=Q3_END, **kw)


# Splits ------------------------------------------------------------------------------------------


def test_split_must_add_up_to_100(world):
    w = world
    deal = w.east_opp
    set_member(deal, w.east_rep2, by=w.east_rep, role=MemberRole.MEMBER)
    with pytest.raises(ValidationError) as caught:
        services.set_split(
            deal, by=w.east_rep, version=0, shares=[(w.east_rep, D("60")), (w.east_rep2, D("30"))]
        )
    assert "The shares add up to 90 %; they must add up to 100 %." in str(caught.value)
    split = services.set_split(
        deal, by=w.east_rep, version=0, shares=[(w.east_rep, D("70")), (w.east_rep2, D("30"))]
    )
    assert split is not None and split.version == 1
    assert [(r.user.username, r.share) for r in selectors.split_of(deal)[1]] == [
        ("east_rep", D("70")),
        ("east_rep2", D("30")),
    ]


def test_split_only_among_the_deal_team_and_by_owner_or_manager(world):
    w = world
    with pytest.raises(ValidationError, match="not on this deal's team"):
        services.set_split(w.east_opp, by=w.east_rep, version=0, shares=[(w.east_rep2, D("100"))])
    with pytest.raises(PermissionDenied):
        services.set_split(w.east_opp, by=w.east_rep2, version=0, shares=[(w.east_rep, D("100"))])
    with pytest.raises(PermissionDenied):
        services.set_split(w.east_opp, by=w.west_mgr, version=0, shares=[(w.east_rep, D("100"))])
    assert (
        services.set_split(w.east_opp, by=w.east_mgr, version=0, shares=[(w.east_rep, D("100"))]) is not None
    )
    with pytest.raises(ConflictError):
        services.set_split(w.east_opp, by=w.east_mgr, version=0, shares=[(w.east_rep, D("100"))])


def test_default_split_is_the_owner(world):
    split, rows = selectors.split_of(world.east_opp)
    assert split is None and [(r.user, r.share) for r in rows] == [(world.east_rep, D("100"))]


def test_shares_applied_to_each_members_statement(world):
    w = world
    plan(w.admin, [w.east_rep, w.east_rep2])
    deal = won(w.east_rep, "1000000")
    set_member(deal, w.east_rep2, by=w.east_rep, role=MemberRole.LEADER)
    services.set_split(deal, by=w.east_rep, version=0, shares=[(w.east_rep, D("75")), (w.east_rep2, D("25"))])
    mine, theirs = statement(w, w.east_rep), statement(w, w.east_rep2)
    assert [(line.share, line.portion, line.amount) for line in mine.lines.all()] == [
        (D("75"), D("750000"), D("15000"))
    ]
    assert [(line.share, line.portion, line.amount) for line in theirs.lines.all()] == [
        (D("25"), D("250000"), D("5000"))
    ]
    assert (mine.total, theirs.total) == (D("15000"), D("5000"))


# Statements --------------------------------------------------------------------------------------


def test_statement_lines_name_each_deal_its_band_rate_and_amount(world):
    w = world
    plan(w.admin, [w.east_rep])
    first = won(w.east_rep, "800000", dt.date(2026, 7, 10), name="Furnace")
    won(w.east_rep, "700000", dt.date(2026, 8, 10), name="Mill")
    won(w.east_rep, "500000", dt.date(2026, 10, 2), name="Next quarter")  # outside the period
    s = statement(w, w.east_rep)
    rows = [(line.label, line.band, line.portion, line.rate, line.amount) for line in s.lines.all()]
    assert rows == [
        ("Furnace", "0–1,000,000", D("800000"), D("2"), D("16000")),
        ("Mill", "0–1,000,000", D("200000"), D("2"), D("4000")),
        ("Mill", "1,000,000–2,000,000", D("500000"), D("3"), D("15000")),
    ]
    assert s.lines.first().opportunity_id == first.pk
    assert (s.base_total, s.commission, s.total, s.status) == (D("1500000"), D("35000"), D("35000"), "draft")


@pytest.mark.parametrize(
    ("amount", "expected"),
    # Target 1,000,000; bands from 0 % at 1 %, from 80 % at 2 %, from 100 % at 4 %.
    [
        ("799999", "7999.99"),
        ("800000", "8000.00"),
        ("800001", "8000.02"),
        ("999999", "11999.98"),
        ("1000000", "12000.00"),
        ("1000001", "12000.04"),
    ],
)
def test_attainment_bands_every_edge(world, amount, expected):
    w = world
    Target.objects.create(user=w.east_rep, period_start=Q3_START, period_end=Q3_END, amount=D("1000000"))
    plan(w.admin, [w.east_rep], band_kind=BandKind.ATTAINMENT, bands=[("0", "1"), ("80", "2"), ("100", "4")])
    won(w.east_rep, amount)
    s = statement(w, w.east_rep)
    assert s.total == D(expected)
    assert s.target == D("1000000")


def test_attainment_plan_without_a_target_is_refused(world):
    plan(world.admin, [world.east_rep], band_kind=BandKind.ATTAINMENT, bands=[("0", "1")])
    with pytest.raises(RuleViolation, match="no target"):
        statement(world, world.east_rep)


def test_layers_by_tier_and_new_customer(world):
    w = world
    layers = [
        LayerSpec("New key accounts", tiers="A", customer_kind=CustomerKind.NEW, factor=D("1.5")),
        LayerSpec("Existing", customer_kind=CustomerKind.EXISTING, factor=D("1")),
        LayerSpec("Robotics line", product_line="Robotics", factor=D("2")),
    ]
    plan(w.admin, [w.east_rep], layers=layers, bands=[("0", "2")])
    key = CustomerFactory(owner=w.east_rep, tier="A")
    won(w.east_rep, "100000", dt.date(2026, 7, 5), customer=key, name="First at A")
    won(w.east_rep, "100000", dt.date(2026, 7, 6), customer=key, name="Second at A")
    won(
        w.east_rep,
        "100000",
        dt.date(2026, 7, 7),
        customer=CustomerFactory(owner=w.east_rep, tier="C"),
        name="New at C",
        product_line="Robotics",
    )
    won(
        w.east_rep,
        "100000",
        dt.date(2026, 7, 8),
        customer=CustomerFactory(owner=w.east_rep, tier="C"),
        name="New at C, no line",
    )
    # Set after the wins: a deal's write rescores its customer.
    Customer.objects.filter(pk=key.pk).update(tier="A")
    s = statement(w, w.east_rep)
    assert [(line.label, line.layer, line.rate, line.amount) for line in s.lines.all()] == [
        ("First at A", "New key accounts", D("3"), D("3000")),
        ("Second at A", "Existing", D("2"), D("2000")),
        ("New at C", "Robotics line", D("4"), D("4000")),
        ("New at C, no line", "", D("0"), D("0")),
    ]


def test_gross_profit_base(world):
    w = world
    plan(w.admin, [w.east_rep], base=Base.GROSS_PROFIT, bands=[("0", "10")])
    won(w.east_rep, "1000000", gross_margin=D("25"))
    won(w.east_rep, "1000000", dt.date(2026, 8, 2), name="No margin")
    s = statement(w, w.east_rep)
    assert [(line.source_amount, line.amount) for line in s.lines.all()] == [
        (D("250000"), D("25000")),
        (D("0"), D("0")),
    ]
    assert "no estimated gross margin" in s.lines.last().label


def test_payments_base_follows_the_split(world):
    w = world
    plan(w.admin, [w.east_rep, w.east_rep2], base=Base.PAYMENTS, bands=[("0", "1")])
    deal = won(w.east_rep, "1000000")
    set_member(deal, w.east_rep2, by=w.east_rep, role=MemberRole.MEMBER)
    services.set_split(deal, by=w.east_rep, version=0, shares=[(w.east_rep, D("50")), (w.east_rep2, D("50"))])
    c = contract(deal, w.east_rep)
    payment(c, "400000")
    payment(c, "100000", dt.date(2026, 10, 1))  # next quarter
    s = statement(w, w.east_rep2)
    assert [(line.kind, line.source_amount, line.portion, line.amount) for line in s.lines.all()] == [
        ("payment", D("400000"), D("200000"), D("2000"))
    ]


def test_service_staff_on_service_revenue(world):
    from kam.delivery.models import Project

    w = world
    plan(w.admin, [w.east_rep2], base=Base.SERVICE, bands=[("0", "5")], role_family="service")
    c = contract(None, w.east_rep, customer=w.east_customer)
    Project.objects.create(contract=c, manager=w.east_rep2)
    payment(c, "20000")
    s = statement(w, w.east_rep2)
    assert s.total == D("1000")


def test_star_multiplier_then_cap_and_floor(world, monkeypatch):
    w = world
    monkeypatch.setattr(
        "kam.team.commission.inputs.incentive_for",
        lambda user, on: Incentive(star=4, base_band="B4", commission_multiplier=D("1.2"), allowance=D("0")),
    )
    plan(w.admin, [w.east_rep], bands=[("0", "10")], cap=D("11000"), name="Capped")
    won(w.east_rep, "100000")
    s = statement(w, w.east_rep)
    assert (s.commission, s.multiplier, s.star, s.multiplied, s.total, s.limit_applied) == (
        D("10000"),
        D("1.2"),
        "★★★★",
        D("12000"),
        D("11000"),
        "cap",
    )
    plan(w.admin, [w.east_rep2], bands=[("0", "10")], floor=D("3000"), use_star_multiplier=False)
    won(w.east_rep2, "10000")
    low = statement(w, w.east_rep2)
    assert (low.multiplier, low.multiplied, low.total, low.limit_applied) == (
        D("1"),
        D("1000"),
        D("3000"),
        "floor",
    )


def test_no_star_rating_multiplies_by_one(world):
    plan(world.admin, [world.east_rep], bands=[("0", "10")])
    won(world.east_rep, "100000")
    s = statement(world, world.east_rep)
    assert (s.multiplier, s.total, s.star) == (D("1"), D("10000"), "")


def test_only_a_manager_computes_and_no_plan_is_refused(world):
    w = world
    plan(w.admin, [w.east_rep])
    with pytest.raises(PermissionDenied):
        services.create_statement(w.east_rep, by=w.east_rep, period_start=Q3_START, period_end=Q3_END)
    with pytest.raises(PermissionDenied):
        services.create_statement(w.east_rep, by=w.west_mgr, period_start=Q3_START, period_end=Q3_END)
    with pytest.raises(RuleViolation, match="no active commission plan"):
        statement(w, w.east_rep2)


# Approval and recomputation ---------------------------------------------------------------------


def test_approval_flow(world):
    w = world
    plan(w.admin, [w.east_rep])
    won(w.east_rep, "100000")
    s = statement(w, w.east_rep)
    with pytest.raises(RuleViolation):
        services.approve(s, by=w.east_mgr, version=s.version)
    services.submit(s, by=w.east_rep, version=s.version)
    with pytest.raises(PermissionDenied):
        services.approve(s, by=w.east_rep, version=s.version)
    with pytest.raises(PermissionDenied):
        services.approve(s, by=w.west_mgr, version=s.version)
    with pytest.raises(ConflictError):
        services.approve(s, by=w.east_mgr, version=s.version - 1)
    with pytest.raises(ValidationError):
        services.return_statement(s, by=w.east_mgr, version=s.version, comment=" ")
    services.return_statement(s, by=w.east_mgr, version=s.version, comment="Check the Mill deal")
    assert (s.status, s.comment) == (StatementStatus.DRAFT, "Check the Mill deal")
    services.submit(s, by=w.east_mgr, version=s.version)
    services.approve(s, by=w.east_mgr, version=s.version)
    s.refresh_from_db()
    assert (s.status, s.approved_by) == (StatementStatus.APPROVED, w.east_mgr)


def test_recompute_after_approval_is_a_new_revision_showing_the_differences(world):
    w = world
    plan(w.admin, [w.east_rep])
    grown = won(w.east_rep, "900000", dt.date(2026, 7, 1), name="Grown")
    dropped = won(w.east_rep, "50000", dt.date(2026, 7, 2), name="Reopened")
    s = statement(w, w.east_rep)
    services.submit(s, by=w.east_rep, version=s.version)
    services.approve(s, by=w.east_mgr, version=s.version)
    approved_lines = list(s.lines.values_list("key", "amount"))

    Opportunity.objects.filter(pk=grown.pk).update(amount=D("1200000"))
    Opportunity.objects.filter(pk=dropped.pk).update(status="open")
    added = won(w.east_rep, "100000", dt.date(2026, 9, 1), name="Late win")

    revision = services.recompute(s, by=w.east_mgr, version=s.version)
    assert (revision.revision, revision.previous, revision.status) == (2, s, StatementStatus.DRAFT)
    assert list(s.lines.values_list("key", "amount")) == approved_lines  # never rewritten
    s.refresh_from_db()
    assert s.status == StatementStatus.APPROVED
    diffs = {(d.key, d.change): (d.before, d.after, d.delta) for d in selectors.differences(revision)}
    assert diffs == {
        (f"deal:{grown.pk}:b0", "changed"): (D("18000"), D("20000"), D("2000")),
        (f"deal:{grown.pk}:b1", "added"): (None, D("6000"), D("6000")),
        (f"deal:{added.pk}:b1", "added"): (None, D("3000"), D("3000")),
        (f"deal:{dropped.pk}:b0", "removed"): (D("1000"), None, D("-1000")),
    }
    assert revision.total - s.total == D("10000")
    with pytest.raises(RuleViolation, match="newer revision"):
        services.recompute(s, by=w.east_mgr, version=s.version)


def test_recompute_a_draft_in_place(world):
    w = world
    plan(w.admin, [w.east_rep])
    deal = won(w.east_rep, "100000")
    s = statement(w, w.east_rep)
    Opportunity.objects.filter(pk=deal.pk).update(amount=D("200000"))
    again = services.recompute(s, by=w.east_mgr, version=s.version)
    assert (again.pk, again.revision, again.total, again.version) == (s.pk, 1, D("4000"), 2)
    with pytest.raises(ConflictError):
        services.recompute(s, by=w.east_mgr, version=1)


def test_plan_validation(world):
    w = world
    with pytest.raises(ValidationError, match="first band starts at 0"):
        plan(w.admin, [], bands=[("10", "1")])
    with pytest.raises(ValidationError, match="cap cannot be below the floor"):
        plan(w.admin, [], cap=D("1"), floor=D("2"))
    with pytest.raises(ValidationError, match="Tiers"):
        plan(w.admin, [], layers=[LayerSpec("X", tiers="AZ")])
    with pytest.raises(PermissionDenied):
        plan(w.east_mgr, [])
    p = plan(w.admin, [w.east_rep])
    services.update_plan(p, by=w.admin, version=p.version, bands=[services.BandSpec(D("0"), D("4"))])
    assert (p.version, [b.rate for b in p.bands.all()]) == (2, [D("4")])
    with pytest.raises(ConflictError):
        services.update_plan(p, by=w.admin, version=1, name="Renamed")
