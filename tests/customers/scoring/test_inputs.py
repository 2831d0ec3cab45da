"""The score's dynamic inputs, read from constructed data: won amount and growth, gross profit, share
of wallet, years as a customer, the open weighted pipeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kam.customers.models import DynamicSource
from kam.customers.scoring import inputs as scoring_inputs
from kam.opportunities import services as opportunity_services
from tests.customers.scoring.conftest import won_deal
from tests.factories import CustomerFactory, make_opportunity

D = Decimal

# --- Dynamic inputs from constructed data ---------------------------------------------------------

NOW = dt.datetime(2027, 6, 30, 12, 0, tzinfo=dt.UTC)


def months_ago(months: int) -> dt.datetime:
    return NOW - dt.timedelta(days=round(months * 30.44))


def test_won_amount_counts_the_last_12_months_only(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "300000", months_ago(11), name="Recent")
    won_deal(customer, rep, "700000", months_ago(13), name="Old")
    inputs = scoring_inputs.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.WON_AMOUNT_12M] == D("300000")
    # The deal of 13 months ago is the base year of the growth: (300k − 700k) ÷ 700k.
    assert inputs[DynamicSource.GROWTH_YOY].quantize(D("0.01")) == D("-57.14")


def test_growth_without_a_base_year_is_no_data(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "300000", months_ago(2))
    inputs = scoring_inputs.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.GROWTH_YOY] is None
    other = CustomerFactory(owner=rep)
    won_deal(other, rep, "100000", months_ago(14), name="Base")
    won_deal(other, rep, "150000", months_ago(1), name="Now")
    assert scoring_inputs.dynamic_inputs([other.pk], now=NOW)[other.pk][DynamicSource.GROWTH_YOY] == D("50")


def test_gross_profit_is_amount_times_margin(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "1000000", months_ago(3), margin=D("25"), name="A")
    won_deal(customer, rep, "200000", months_ago(4), margin=D("10"), name="B")
    won_deal(customer, rep, "500000", months_ago(5), margin=None, name="No margin")  # no margin: no profit
    won_deal(customer, rep, "900000", months_ago(20), margin=D("50"), name="Too old")
    inputs = scoring_inputs.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.GROSS_PROFIT_12M] == D("270000")


def test_share_of_wallet_divides_by_category_purchases(rep):
    customer = CustomerFactory(owner=rep, category_purchases=D("2000000"))
    unknown = CustomerFactory(owner=rep)
    won_deal(customer, rep, "500000", months_ago(6))
    inputs = scoring_inputs.dynamic_inputs([customer.pk, unknown.pk], now=NOW)
    assert inputs[customer.pk][DynamicSource.SHARE_OF_WALLET] == D("25")
    # Without the customer's total purchases there is no share to compute.
    assert inputs[unknown.pk][DynamicSource.SHARE_OF_WALLET] is None


def test_years_as_customer_from_the_first_won_deal(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "100000", NOW - dt.timedelta(days=round(3.5 * 365.25)), name="First")
    won_deal(customer, rep, "100000", months_ago(1), name="Latest")
    inputs = scoring_inputs.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.YEARS_AS_CUSTOMER].quantize(D("0.1")) == D("3.5")
    newcomer = CustomerFactory(owner=rep)
    assert (
        scoring_inputs.dynamic_inputs([newcomer.pk], now=NOW)[newcomer.pk][DynamicSource.YEARS_AS_CUSTOMER]
        is None
    )


def test_open_weighted_pipeline_is_amount_times_stage_probability(rep):
    customer = CustomerFactory(owner=rep)
    make_opportunity(owner=rep, customer=customer, amount=D("1000000"), stage_code="P0", name="P0")  # 10 %
    make_opportunity(owner=rep, customer=customer, amount=D("400000"), stage_code="P4", name="P4")  # 50 %
    lost = make_opportunity(owner=rep, customer=customer, amount=D("9000000"), stage_code="P4", name="Lost")
    opportunity_services.close_opportunity(lost, by=rep, status="lost", reason="Price")
    inputs = scoring_inputs.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.OPEN_WEIGHTED_PIPELINE] == D("300000")
