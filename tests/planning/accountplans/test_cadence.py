"""The review cadence by segment: key accounts quarterly, important yearly, the rest collectively."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.planning.accountplans.cadence import add_months, cadences, next_review_due

pytestmark = pytest.mark.django_db


def test_add_months_keeps_the_day_inside_the_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_seeded_cadence_per_segment():
    table = cadences()
    assert next_review_due("key", dt.date(2026, 3, 10), table) == dt.date(2026, 6, 10)
    assert next_review_due("important", dt.date(2026, 3, 10), table) == dt.date(2027, 3, 10)
    # The rest meet once a year, in December, all together.
    assert next_review_due("general", dt.date(2026, 3, 10), table) == dt.date(2026, 12, 1)
    assert next_review_due("general", dt.date(2026, 12, 1), table) == dt.date(2027, 12, 1)


def test_a_changed_cadence_is_data():
    from kam.planning.accountplans.models import ReviewCadence

    ReviewCadence.objects.filter(segment="key").update(interval_months=2)
    assert next_review_due("key", dt.date(2026, 3, 10)) == dt.date(2026, 5, 10)
