"""Relationship history over time: each person's level as a step series with the company's highest,
and coverage of the key (or every) contact at each month end."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kam.relationships.coverage import history as history_selectors
from kam.relationships.coverage import selectors as coverage
from tests.factories import UserFactory
from tests.relationships.coverage.conftest import at, set_level

pytestmark = pytest.mark.django_db


def test_level_over_time_is_a_step_series_per_person_and_the_company_max_including_a_drop(east):
    set_level(east.gm, east.east_rep, 2, when=at(2026, 1, 1))
    set_level(east.gm, east.east_rep2, 3, when=at(2026, 2, 1))
    set_level(east.gm, east.east_rep, 4, when=at(2026, 3, 1))
    set_level(east.gm, east.east_rep, 1, when=at(2026, 4, 1))  # the relationship cools

    history = history_selectors.level_history(east.gm)

    def days(points):
        return [(timezone.localtime(t).date().isoformat(), level) for t, level in points]

    series = {s.user.username: days(s.points) for s in history.people}
    assert series == {
        "east_rep": [("2026-01-01", 2), ("2026-03-01", 4), ("2026-04-01", 1)],
        "east_rep2": [("2026-02-01", 3)],
    }
    assert days(history.company.points) == [
        ("2026-01-01", 2),
        ("2026-02-01", 3),
        ("2026-03-01", 4),
        ("2026-04-01", 3),
    ]


# --- coverage over time -----------------------------------------------------------------------------


@pytest.fixture
def timeline(east):
    """A small history around month ends; the expected counts are worked out by hand in the tests."""
    w = east
    w.u3 = UserFactory(username="u3", team=w.east)
    set_level(w.gm, w.east_rep, 2, when=at(2026, 1, 10))
    set_level(w.cto, w.east_rep2, 1, when=at(2026, 2, 20))
    set_level(w.gm, w.east_rep, 3, when=at(2026, 3, 5))
    set_level(w.clerk, w.east_rep2, 4, when=at(2026, 3, 31, 23, 30))  # still March in Shanghai
    set_level(w.gm, w.east_rep, 2, when=at(2026, 4, 1, 0, 10))  # April in Shanghai, March in UTC
    set_level(w.cto, w.u3, 3, when=at(2026, 4, 15))
    set_level(w.gm, w.u3, 5, when=at(2026, 5, 20))  # after "now": not counted
    w.now = at(2026, 5, 15)
    return w


def test_coverage_over_time_counts_key_contacts_and_people_at_each_month_end(timeline):
    key_ids = coverage.key_contact_ids(timeline.director, timeline.east_customer)

    rows = history_selectors.coverage_over_time(timeline.east_customer, key_ids, months=5, now=timeline.now)

    assert [(r.month, r.key_at_target, r.key_covered, r.people) for r in rows] == [
        ("2026-01", 0, 1, 1),
        ("2026-02", 0, 2, 2),
        ("2026-03", 1, 2, 2),
        ("2026-04", 1, 2, 3),
        ("2026-05", 1, 2, 3),
    ]


def test_coverage_over_time_of_every_contact_counts_the_ordinary_ones_too(timeline):
    rows = history_selectors.coverage_over_time(timeline.east_customer, None, months=3, now=timeline.now)
    assert [(r.month, r.key_at_target, r.key_covered) for r in rows] == [
        ("2026-03", 2, 3),
        ("2026-04", 2, 3),
        ("2026-05", 2, 3),
    ]
