"""Forecast figures against the hand-computed data set of conftest.py: categories, buckets, groups,
the raw SQL twin, visibility, and attainment against targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.insights.forecast.selectors import forecast, run_forecast_sql
from kam.org.models import Target

pytestmark = pytest.mark.django_db
Q2 = {"start": dt.date(2027, 4, 1), "end": dt.date(2027, 6, 30)}


def by_label(result):
    return {g.label: g for g in result.groups}


def test_weighted_pipeline_categories_and_won_per_team_in_a_quarter(forecast_world):
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    east, west = groups["East"].figures, groups["West"].figures
    assert east.weighted == Decimal("1350000.00")
    assert east.open_amount == Decimal("2600000.00")
    assert (east.commit, east.best_case, east.pipeline) == (
        Decimal(0),
        Decimal("2400000.00"),
        Decimal("200000.00"),
    )
    assert east.won == Decimal(0)
    assert west.weighted == Decimal("180000.00")
    assert west.commit == Decimal("600000.00")
    assert west.won == Decimal("800000.00")
    assert (west.open_count, west.won_count) == (1, 1)


def test_lost_opportunities_never_count(forecast_world):
    result = forecast(None, "team", "quarter", **Q2)
    assert result.totals.open_amount == Decimal("3200000.00")
    assert result.totals.won == Decimal("800000.00")


def test_quarter_boundaries_bucket_by_sign_date(forecast_world):
    result = forecast(None, "team", "quarter", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
    assert result.periods == [20271, 20272, 20273]
    assert result.by_period[20271].open_amount == Decimal("3000000.00")  # 03-31 stays in Q1
    assert result.by_period[20272].weighted == Decimal("1530000.00")  # 04-01 and 06-30 are Q2
    assert result.by_period[20273].omitted == Decimal("300000.00")  # 07-01 is Q3
    assert result.period_label(20273) == "2027 Q3"


def test_month_and_year_buckets(forecast_world):
    months = forecast(None, "team", "month", **Q2)
    assert months.periods == [202704, 202705, 202706]
    assert months.by_period[202706].best_case == Decimal("400000.00")
    years = forecast(None, "team", "year")
    assert years.periods == [2027]
    assert years.totals.weighted == Decimal("300000") + Decimal("1530000") + Decimal("60000")


def test_grouping_by_rep_customer_and_product_line(forecast_world):
    w = forecast_world
    reps = {g.key: g.figures for g in forecast(None, "rep", "quarter", **Q2).groups}
    assert reps[w.east_rep.pk].weighted == Decimal("1300000.00")
    assert reps[w.east_rep2.pk].pipeline == Decimal("200000.00")
    customers = by_label(forecast(None, "customer", "quarter", **Q2))
    assert customers["North Mill"].figures.open_amount == Decimal("200000.00")
    lines = by_label(forecast(None, "product_line", "quarter", **Q2))
    assert lines["Furnace"].figures.best_case == Decimal("2400000.00")
    assert lines["Turbine"].figures.won == Decimal("800000.00")


def test_raw_sql_twin_gives_the_same_numbers(forecast_world):
    orm = forecast(None, "team", "quarter").rows
    raw = run_forecast_sql("quarter")
    assert [(r["period_key"], r["group_key"]) for r in orm] == [(r[0], r[1]) for r in raw]
    for o, r in zip(orm, raw, strict=True):
        assert Decimal(o["weighted"] or 0) == Decimal(r[2] or 0)
        assert Decimal(o["won"] or 0) == Decimal(r[8] or 0)


def test_rep_sees_only_own_and_manager_the_team(forecast_world):
    w = forecast_world
    rep = forecast(w.east_rep2, "team", "quarter", **Q2)
    assert rep.totals.open_amount == Decimal("200000.00")
    manager = by_label(forecast(w.east_mgr, "team", "quarter", **Q2))
    assert set(manager) == {"East"}
    assert manager["East"].figures.open_amount == Decimal("2600000.00")


def test_attainment_gap_and_coverage_from_targets_inside_the_period(forecast_world):
    w = forecast_world
    Target.objects.create(
        team=w.west,
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2027, 6, 30),
        amount=Decimal("1000000"),
    )
    Target.objects.create(
        team=w.west, period_start=dt.date(2027, 7, 1), period_end=dt.date(2027, 9, 30), amount=Decimal("9")
    )
    Target.objects.create(
        team=w.east,
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2027, 4, 30),
        amount=Decimal("100000"),
    )
    Target.objects.create(
        team=w.east,
        period_start=dt.date(2027, 5, 1),
        period_end=dt.date(2027, 5, 31),
        amount=Decimal("100000"),
    )
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    west = groups["West"].target
    assert west.target == Decimal("1000000.00")
    assert west.attainment == Decimal("0.8000")
    assert west.gap == Decimal("200000.00")
    assert west.coverage == Decimal("3.00")  # 600,000 open ÷ 200,000 remaining
    assert groups["East"].target.target == Decimal("200000.00")  # two months inside the quarter


def test_target_met_means_no_coverage_and_no_division_by_zero(forecast_world):
    w = forecast_world
    Target.objects.create(
        team=w.west, period_start=Q2["start"], period_end=Q2["end"], amount=Decimal("800000")
    )
    Target.objects.create(team=w.east, period_start=Q2["start"], period_end=Q2["end"], amount=Decimal("0"))
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    assert groups["West"].target.remaining == Decimal("0.00")
    assert groups["West"].target.coverage is None
    assert groups["East"].target.attainment is None
    assert groups["East"].target.coverage is None


def test_a_team_with_a_target_but_no_opportunities_shows_its_whole_gap(forecast_world):
    from tests.factories import TeamFactory

    north = TeamFactory(name="North")
    Target.objects.create(team=north, period_start=Q2["start"], period_end=Q2["end"], amount=Decimal("500"))
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    assert groups["North"].target.gap == Decimal("500.00")
