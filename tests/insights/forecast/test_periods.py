"""Periods as people write them: quarters, months and years."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.insights.forecast.periods import choose_period

pytestmark = pytest.mark.django_db


def test_choose_period_reads_quarters_months_and_years():
    assert choose_period(text="27.Q3").start == dt.date(2027, 7, 1)
    assert choose_period(text="2027-02").end == dt.date(2027, 2, 28)
    assert choose_period(text="2027").end == dt.date(2027, 12, 31)
    assert choose_period("quarter", today=dt.date(2026, 11, 25)).label == "2026 Q4"
    with pytest.raises(ValueError):
        choose_period(text="soon")
    # Zero is a bad part, not a missing one: no silent "this month" or "this year".
    for text in ("2027-00", "0000"):
        with pytest.raises(ValueError):
            choose_period(text=text)
