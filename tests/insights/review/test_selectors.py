"""The weekly review's reads: what changed between two snapshots (or a snapshot and now), and
forecast accuracy against an earlier snapshot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.insights.review import selectors as snapshots
from kam.insights.review import services as review_services
from kam.opportunities import services
from kam.opportunities.models import OpportunityStatus
from tests.factories import approve_initiation, make_opportunity, stage
from tests.insights.review.conftest import at, set_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(world):
    """A snapshot, a week of changes, a second snapshot."""
    rep = world.east_rep
    customer = world.east_customer
    o = {
        "advanced": make_opportunity(owner=rep, customer=customer, stage_code="P2", name="advances"),
        "back": make_opportunity(owner=rep, customer=customer, stage_code="P4", name="moves back"),
        "slips": make_opportunity(owner=rep, customer=customer, stage_code="P3", name="slips"),
        "earlier": make_opportunity(owner=rep, customer=customer, stage_code="P3", name="comes earlier"),
        "amount": make_opportunity(owner=rep, customer=customer, stage_code="P3", name="grows"),
        "won": make_opportunity(
            owner=rep, customer=customer, stage_code="P5", name="wins", amount=Decimal("500")
        ),
        "lost": make_opportunity(
            owner=rep, customer=customer, stage_code="P3", name="loses", amount=Decimal("70")
        ),
        "dropped": make_opportunity(
            owner=rep, customer=customer, stage_code="P1", name="drops", amount=Decimal("9")
        ),
        "same": make_opportunity(owner=rep, customer=customer, stage_code="P3", name="unchanged"),
    }
    before = review_services.take_snapshot(taken_at=at("2026-11-02 07:00"))
    approve_initiation(o["advanced"])
    services.move_stage(o["advanced"], stage("P3"), by=rep, key_node_confirmed=True)
    services.move_stage(o["back"], stage("P2"), by=rep, note="customer re-scoped")
    services.update_opportunity(o["slips"], by=rep, version=None, sign_date=dt.date(2027, 6, 30))
    services.update_opportunity(o["earlier"], by=rep, version=None, sign_date=dt.date(2027, 1, 31))
    services.update_opportunity(o["amount"], by=rep, version=None, amount=Decimal("1250000"))
    services.close_opportunity(o["won"], by=rep, status=OpportunityStatus.WON, reason="signed")
    services.close_opportunity(o["lost"], by=rep, status=OpportunityStatus.LOST, reason="price")
    services.close_opportunity(o["dropped"], by=rep, status=OpportunityStatus.DROPPED, reason="margin")
    o["new"] = make_opportunity(
        owner=rep, customer=customer, stage_code="P1", name="new one", amount=Decimal("42")
    )
    after = review_services.take_snapshot(taken_at=at("2026-11-09 07:00"))
    return o, before, after


def names(report, key):
    return sorted(r["label"] for r in report.section(key).rows)


@pytest.mark.parametrize("live", [False, True], ids=["two snapshots", "snapshot vs now"])
def test_changes_sort_every_kind_of_change_into_its_section(world, week, live):
    o, before, after = week
    report = snapshots.changes(world.director, before, None if live else after)

    assert names(report, "new") == ["new one"]
    assert names(report, "advanced") == ["advances"]
    assert names(report, "moved_back") == ["moves back"]
    assert names(report, "slipped") == ["slips"]
    assert names(report, "amount_changed") == ["grows"]
    assert names(report, "won") == ["wins"]
    assert names(report, "lost") == ["loses"]
    assert names(report, "dropped") == ["drops"]
    assert names(report, "removed") == []
    listed = {r["label"] for s in report.sections for r in s.rows}
    assert "unchanged" not in listed and "comes earlier" not in listed

    grown = report.section("amount_changed")
    assert grown.count == 1 and grown.delta == Decimal("250000.00")
    assert grown.rows[0]["delta"] == Decimal("250000.00")
    assert grown.rows[0]["prev_amount"] == Decimal("1000000.00")
    assert report.section("won").amount == Decimal("500.00")
    assert report.section("lost").rows[0]["cur_status"] == "lost"
    assert report.section("lost").rows[0]["closed_at"] is not None
    assert report.section("new").amount == Decimal("42.00")
    advanced = report.section("advanced").rows[0]
    assert (advanced["prev_stage"], advanced["cur_stage"]) == ("P2", "P3")
    assert advanced["url"] == f"/opportunities/{o['advanced'].pk}/"


def test_changes_show_only_what_the_user_may_see(world, week):
    o, before, after = week
    make_opportunity(owner=world.west_rep, customer=world.west_customer, name="west new")
    later = review_services.take_snapshot(taken_at=at("2026-11-10 07:00"))

    west = snapshots.changes(world.west_mgr, after, later)
    assert names(west, "new") == ["west new"]
    east = snapshots.changes(world.east_mgr, after, later)
    assert names(east, "new") == []
    assert names(snapshots.changes(world.east_rep2, before, after), "won") == []
    assert names(snapshots.changes(world.east_rep, before, after), "won") == ["wins"]
    assert snapshots.changes(world.west_mgr, before, after).section("won").count == 0


def test_latest_two_are_the_default_pair(world):
    assert snapshots.latest_two() == (None, None)
    first = review_services.take_snapshot(taken_at=at("2026-11-02 07:00"))
    second = review_services.take_snapshot(taken_at=at("2026-11-09 07:00"))
    review_services.take_snapshot(taken_at=at("2026-10-01 07:00"))
    assert snapshots.latest_two() == (first, second)


def test_changes_cost_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    def run(count):
        before = review_services.take_snapshot(taken_at=at("2026-11-02 07:00"))
        for i in range(count):
            make_opportunity(owner=world.east_rep, customer=world.east_customer, name=f"n{i}")
        after = review_services.take_snapshot(taken_at=at("2026-11-09 07:00"))
        return before, after

    before, after = run(3)
    with django_assert_max_num_queries(14):
        snapshots.changes(world.east_mgr, before, after)
    before, after = run(40)
    with django_assert_max_num_queries(14):
        report = snapshots.changes(world.east_mgr, before, after)
    assert report.section("new").count == 40


# --- forecast accuracy --------------------------------------------------------------------------


def test_forecast_accuracy_against_a_hand_computed_case(world):
    rep, customer = world.east_rep, world.east_customer
    # In 2026 Q3 per the snapshot: 100 000 at P5 (75 %, commit), 200 000 at P3 (30 %), 40 000 at P1 (20 %).
    a = make_opportunity(
        owner=rep,
        customer=customer,
        stage_code="P5",
        amount=Decimal("100000"),
        sign_date=dt.date(2026, 7, 15),
    )
    set_category(a, "commit")
    b = make_opportunity(
        owner=rep,
        customer=customer,
        stage_code="P3",
        amount=Decimal("200000"),
        sign_date=dt.date(2026, 9, 30),
    )
    make_opportunity(
        owner=world.west_rep,
        customer=world.west_customer,
        stage_code="P1",
        amount=Decimal("40000"),
        sign_date=dt.date(2026, 8, 1),
    )
    # Outside the quarter: not in the forecast.
    make_opportunity(
        owner=rep, customer=customer, stage_code="P6", amount=Decimal("999"), sign_date=dt.date(2026, 10, 1)
    )
    snapshot = review_services.take_snapshot(taken_at=at("2026-06-20 07:00"))
    # Won in the quarter: a, and c (not in the forecast); b is lost.
    services.close_opportunity(a, by=rep, status=OpportunityStatus.WON, reason="signed")
    services.close_opportunity(b, by=rep, status=OpportunityStatus.LOST, reason="price")
    c = make_opportunity(
        owner=rep, customer=customer, stage_code="P5", amount=Decimal("30000"), sign_date=dt.date(2026, 9, 1)
    )
    services.close_opportunity(c, by=rep, status=OpportunityStatus.WON, reason="signed")

    period = snapshots.parse_period("2026 Q3")
    result = snapshots.forecast_accuracy(world.director, period, snapshot)
    # 100 000 × 0.75 + 200 000 × 0.30 + 40 000 × 0.20 = 75 000 + 60 000 + 8 000
    assert result.forecast == Decimal("143000.00")
    assert result.commit == Decimal("100000.00")
    assert result.pipeline == Decimal("340000.00")
    assert result.forecast_count == 3
    assert result.won == Decimal("130000.00") and result.won_count == 2
    assert result.error == Decimal("-13000.00")
    assert result.ratio == Decimal("90.9")

    east = snapshots.forecast_accuracy(world.east_mgr, period, snapshot)
    assert east.forecast == Decimal("135000.00") and east.won == Decimal("130000.00")
    assert snapshots.forecast_accuracy(world.west_rep, period, snapshot).won == Decimal("0.00")


def test_forecast_accuracy_keeps_fractions_of_a_yuan(world):
    """963 at P1 (20 %) weighs 192.60: a whole amount times a whole percentage must not be divided
    as integers (SQLite would give 192)."""
    make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        stage_code="P1",
        amount=Decimal("963"),
        sign_date=dt.date(2026, 8, 1),
    )
    snapshot = review_services.take_snapshot(taken_at=at("2026-06-20 07:00"))
    result = snapshots.forecast_accuracy(world.director, snapshots.parse_period("2026 Q3"), snapshot)
    assert result.forecast == Decimal("192.60")


@pytest.mark.parametrize(
    "text,label,start,end",
    [
        ("2026-03", "2026-03", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        ("2026 Q1", "2026 Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("26.Q4", "2026 Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_periods_read_as_months_or_quarters(text, label, start, end):
    assert snapshots.parse_period(text) == snapshots.Period(label, start, end)


@pytest.mark.parametrize("text", ["", "2026-13", "Q5", "next year"])
def test_bad_periods_are_refused(text):
    assert snapshots.parse_period(text) is None


def test_accuracy_needs_an_ended_period_and_an_earlier_snapshot(world):
    today = dt.date(2026, 11, 25)
    q3 = snapshots.parse_period("2026 Q3")
    q4 = snapshots.parse_period("2026 Q4")
    inside = review_services.take_snapshot(taken_at=at("2026-07-06 07:00"))
    earlier = review_services.take_snapshot(taken_at=at("2026-06-29 07:00"))
    assert "period" in snapshots.accuracy_errors(q4, None, today)
    assert "period" in snapshots.accuracy_errors(None, None, today)
    assert "snapshot" in snapshots.accuracy_errors(q3, inside, today)
    assert snapshots.accuracy_errors(q3, earlier, today) == {}
    assert list(snapshots.snapshots_before(q3.start)) == [earlier]
