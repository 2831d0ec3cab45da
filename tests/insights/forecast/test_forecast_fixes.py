"""The forecast page's target cells: a target passed reads "exceeded by …", not a negative gap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.insights.forecast.selectors import TargetFigures
from kam.org.models import Target

pytestmark = pytest.mark.django_db


def test_exceeded_by_is_the_negative_gap_turned_round():
    assert TargetFigures(Decimal("100"), Decimal("130"), Decimal("0")).exceeded_by == Decimal("30.00")
    assert TargetFigures(Decimal("100"), Decimal("70"), Decimal("0")).exceeded_by is None
    assert TargetFigures(None, Decimal("70"), Decimal("0")).exceeded_by is None


def test_a_passed_target_reads_exceeded_by(client, forecast_world):
    Target.objects.create(
        user=forecast_world.west_rep,
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2027, 6, 30),
        amount=Decimal("500000"),
    )
    client.force_login(forecast_world.director)
    body = client.get("/insights/forecast/", {"p": "2027 Q2", "group": "rep"}).content.decode()
    # The west rep won 800,000 against 500,000.
    assert "exceeded by ¥300,000.00" in body
    assert "-¥300,000.00" not in body and "¥-300,000.00" not in body
