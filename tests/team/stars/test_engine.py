"""The arithmetic of a rating: a criterion's level at and around its thresholds, and both rules."""

from decimal import Decimal

import pytest

from kam.team.stars.engine import CriterionRule, combine, level_reached

D = Decimal
REVENUE = {1: D(0), 2: D(100), 3: D(300), 4: D(600), 5: D(1000)}


@pytest.mark.parametrize(
    ("value", "star"),
    [
        (D("-1"), 0),
        (D(0), 1),
        (D("99.99"), 1),
        (D(100), 2),
        (D("100.01"), 2),
        (D("299.99"), 2),
        (D(300), 3),
        (D("599.99"), 3),
        (D(600), 4),
        (D("999.99"), 4),
        (D(1000), 5),
        (D(10**9), 5),
    ],
)
def test_criterion_reaches_the_highest_level_whose_threshold_it_meets(value, star):
    assert level_reached(value, REVENUE) == star


def test_a_missing_level_stops_the_climb():
    assert level_reached(D(500), {1: D(0), 2: D(10), 4: D(100)}) == 2


RULES = [
    CriterionRule("won_revenue", D(3), REVENUE),
    CriterionRule("certified", D(2), {1: D(0), 2: D(0), 3: D(1), 4: D(1), 5: D(1)}),
]
POINTS = {1: D(0), 2: D(10), 3: D(13), 4: D(18), 5: D(25)}


def test_all_criteria_rule_takes_the_lowest_level_reached():
    result = combine("all", RULES, {"won_revenue": D(1000), "certified": D(0)}, POINTS)
    assert [c.star for c in result.criteria] == [5, 2]
    assert result.star == 2


def test_all_criteria_rule_reaches_a_level_when_every_criterion_does():
    assert combine("all", RULES, {"won_revenue": D(600), "certified": D(1)}, POINTS).star == 4


def test_points_rule_adds_weight_per_level_and_compares_with_each_levels_minimum():
    # revenue 5 levels × 3 = 15, certificate 2 levels × 2 = 4: 19 points ≥ 18 → four stars
    result = combine("points", RULES, {"won_revenue": D(1000), "certified": D(0)}, POINTS)
    assert result.points == D(19)
    assert result.star == 4


@pytest.mark.parametrize(("revenue", "star"), [(D("299.99"), 2), (D(300), 3)])
def test_points_rule_at_a_level_boundary(revenue, star):
    # uncertified: 2 levels × 2 = 4 points; revenue 2 levels × 3 → 10 points (two stars), 3 × 3 → 13 (three)
    result = combine("points", RULES, {"won_revenue": revenue, "certified": D(0)}, POINTS)
    assert result.star == star


def test_the_same_values_rate_differently_under_the_two_rules():
    values = {"won_revenue": D(1000), "certified": D(0)}
    assert combine("all", RULES, values, POINTS).star == 2
    assert combine("points", RULES, values, POINTS).star == 4


def test_no_criteria_no_level():
    assert combine("all", [], {}, POINTS).star == 0
