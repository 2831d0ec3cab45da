"""The customer's forecast on the 360° page: per quarter, hand-computed, and the forecast section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.customers.profile.forecast import customer_forecast, next_quarter_keys
from tests.customers.profile.conftest import D, get_section
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

# --- forecast --------------------------------------------------------------------------------------


def quarter_row(quarter):
    f = quarter.figures
    return (quarter.label, f.open_amount, f.weighted, f.commit, f.best_case, f.pipeline, f.won)


def test_customer_forecast_per_quarter_hand_computed(world, forecast_deals):
    result = customer_forecast(world.east_rep, forecast_deals, today=dt.date(2027, 5, 10))
    assert [quarter_row(q) for q in result.quarters] == [
        ("2027 Q2", D("1400000.00"), D("600000.00"), D("1000000.00"), D("0.00"), D("400000.00"), D("0.00")),
        ("2027 Q3", D("200000.00"), D("150000.00"), D("0.00"), D("200000.00"), D("0.00"), D("100000.00")),
        ("2027 Q4", D("10000.00"), D("2000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("2028 Q1", D("50000.00"), D("5000.00"), D("50000.00"), D("0.00"), D("0.00"), D("0.00")),
    ]
    totals = result.totals
    assert (totals.open_amount, totals.weighted, totals.commit, totals.won) == (
        D("1660000.00"),
        D("757000.00"),
        D("1050000.00"),
        D("100000.00"),
    )
    assert result.year == 2027 and result.year_figures.won == D("400000.00")


def test_customer_forecast_for_the_director_includes_every_teams_deals(world, forecast_deals):
    result = customer_forecast(world.director, forecast_deals, today=dt.date(2027, 5, 10))
    q2 = result.quarters[0].figures
    assert (q2.open_amount, q2.weighted) == (D("2200000.00"), D("1000000.00"))


def test_next_quarters_roll_over_the_year():
    assert next_quarter_keys(dt.date(2027, 11, 30)) == [20274, 20281, 20282, 20283]


def test_forecast_section_shows_the_table_and_points_the_chart_at_the_api(client, world):
    today = timezone.localdate()
    customer = world.east_customer
    make_opportunity(
        owner=world.east_rep,
        customer=customer,
        stage_code="P4",
        amount=D("400000"),
        sign_date=today,
        name="Now",
    )
    client.force_login(world.east_rep)
    response = get_section(client, "forecast_section", customer)
    body = response.content.decode()
    label = f"{today.year} Q{(today.month + 2) // 3}"
    assert f'data-period="{label}"' in body
    assert "¥400,000.00" in body and "¥200,000.00" in body
    assert f'data-url="{reverse("api:customer_forecast", args=[customer.pk])}"' in body
    assert 'id="customer-forecast-labels"' in body
