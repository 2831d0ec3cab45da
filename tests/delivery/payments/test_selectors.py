import datetime as dt
from decimal import Decimal

import pytest

from kam.delivery.models import Contract
from kam.delivery.payments import selectors, services
from tests.delivery.payments.helpers import add, make_contract

D = Decimal
DAY = dt.date(2026, 6, 15)


def ago(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, None),
        (1, "0_30"),
        (30, "0_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "over_90"),
    ],
)
def test_aging_boundaries(world, days, bucket):
    contract = make_contract(world.east_customer, world.east_rep, "1000")
    add(contract, world.east_rep, "100", ago(days))
    result = selectors.aging(Contract.objects.all(), day=DAY)
    for key in selectors.BUCKET_KEYS:
        assert result[key] == (D("100") if key == bucket else 0), key
    assert result["overdue"] == (0 if bucket is None else D("100"))
    assert selectors.bucket_of(days) == (bucket or "")


def test_aging_is_one_statement_of_outstanding(world, django_assert_num_queries):
    contract = make_contract(world.east_customer, world.east_rep, "10000")
    for days, amount in ((5, "100"), (45, "200"), (75, "300"), (120, "400"), (-5, "900")):
        add(contract, world.east_rep, amount, ago(days))
    services.record_payment(contract, by=world.east_rep, amount="450", received_on=ago(1))
    with django_assert_num_queries(1):
        result = selectors.aging(Contract.objects.all(), day=DAY)
    # 450 went to the oldest first: 400 (120 days) and 50 of 300 (75 days).
    assert result == {
        "overdue": D("550"),
        "0_30": D("100"),
        "31_60": D("200"),
        "61_90": D("250"),
        "over_90": 0,
    }


def test_dso_worked_example(world, django_assert_num_queries):
    # Signed 30 days ago for 9,000: the revenue of the last 90 days. One signed 100 days ago is older.
    recent = make_contract(world.east_customer, world.east_rep, "9000", sign_date=ago(30))
    old = make_contract(world.east_customer, world.east_rep, "1000", sign_date=ago(100))
    add(recent, world.east_rep, "3000", ago(0))  # due today: a receivable, not overdue yet
    add(recent, world.east_rep, "6000", ago(-30))  # not due: not a receivable
    add(old, world.east_rep, "1000", ago(40))
    services.record_payment(old, by=world.east_rep, amount="400", received_on=ago(2))
    # Receivables due: 3,000 + 600 = 3,600; DSO = 3,600 / 9,000 × 90 = 36 days.
    with django_assert_num_queries(4):
        fig = selectors.figures(Contract.objects.all(), day=DAY)
    assert fig.dso == D("36.0")
    assert (fig.contracted, fig.received, fig.outstanding, fig.overdue) == (
        D("10000"),
        D("400"),
        D("9600"),
        D("600"),
    )
    assert fig.revenue_90 == D("9000")
    assert selectors.dso(D("100"), D("0")) is None


def test_cash_forecast_by_month_with_overdue_apart(world):
    contract = make_contract(world.east_customer, world.east_rep, "10000")
    add(contract, world.east_rep, "100", dt.date(2026, 6, 1))  # this month but overdue
    add(contract, world.east_rep, "200", dt.date(2026, 6, 30))
    add(contract, world.east_rep, "300", dt.date(2026, 8, 1))
    add(contract, world.east_rep, "400", dt.date(2027, 6, 1))  # beyond twelve months
    forecast = selectors.cash_forecast(Contract.objects.all(), day=DAY, months=12)
    assert forecast["overdue"] == D("100")
    months = dict(forecast["months"])
    assert len(months) == 12 and min(months) == dt.date(2026, 6, 1) and max(months) == dt.date(2027, 5, 1)
    assert months[dt.date(2026, 6, 1)] == D("200")
    assert months[dt.date(2026, 7, 1)] == 0
    assert months[dt.date(2026, 8, 1)] == D("300")


def test_breakdown_per_customer_owner_and_team(world, django_assert_num_queries):
    east = make_contract(world.east_customer, world.east_rep, "1000")
    west = make_contract(world.west_customer, world.west_rep, "2000")
    add(east, world.east_rep, "500", ago(10))
    add(west, world.west_rep, "800", ago(50))
    services.record_payment(west, by=world.west_rep, amount="300", received_on=ago(1))
    services.issue_invoice(west, by=world.west_rep, number="I1", issued_on=ago(40), amount="800")
    with django_assert_num_queries(4):
        per_team = selectors.breakdown(Contract.objects.all(), "team", day=DAY)
    assert per_team[world.west.pk]["received"] == D("300")
    assert per_team[world.west.pk]["invoiced"] == D("800")
    assert per_team[world.west.pk]["31_60"] == D("500")
    assert per_team[world.east.pk]["contracted"] == D("1000")
    assert per_team[world.east.pk]["received"] == 0
    per_customer = selectors.breakdown(Contract.objects.all(), "customer", day=DAY)
    assert per_customer[world.east_customer.pk]["overdue"] == D("500")
    per_owner = selectors.breakdown(Contract.objects.all(), "owner", day=DAY)
    assert set(per_owner) == {world.east_rep.pk, world.west_rep.pk}


def test_receivables_follow_visibility_and_filters(world):
    east = make_contract(world.east_customer, world.east_rep, "1000")
    west = make_contract(world.west_customer, world.west_rep, "2000")
    add(east, world.east_rep, "500", services.today() - dt.timedelta(days=40))
    add(east, world.east_rep, "100", services.today() + dt.timedelta(days=5))
    add(west, world.west_rep, "800", services.today() - dt.timedelta(days=10))
    seen = selectors.receivables(world.east_mgr, selectors.ReceivableFilters())
    assert {i.contract_id for i in seen} == {east.pk}
    assert selectors.receivables(world.director, selectors.ReceivableFilters()).count() == 3
    overdue = selectors.receivables(world.director, selectors.ReceivableFilters(overdue_only=True))
    assert overdue.count() == 2
    bucket = selectors.receivables(world.director, selectors.ReceivableFilters.parse({"bucket": "31_60"}))
    assert [i.amount for i in bucket] == [D("500")]
    team = selectors.receivables(
        world.director, selectors.ReceivableFilters.parse({"team": str(world.west.pk)})
    )
    assert [i.contract_id for i in team] == [west.pk]
    totals = selectors.receivable_totals(seen)
    assert totals["total_outstanding"] == D("600")
    assert selectors.figures(selectors.receivable_contracts(world.west_rep)).contracted == D("2000")
