"""The arithmetic of a rating: the level each criterion reaches and the level the rule combines.

Pure functions over plain values, so the boundaries are tested without a database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from kam.team.stars.models import STARS, CombiningRule


@dataclass(frozen=True)
class CriterionRule:
    metric: str
    weight: Decimal
    # star level → least value reaching it
    thresholds: Mapping[int, Decimal]


@dataclass
class CriterionResult:
    metric: str
    value: Decimal
    star: int
    points: Decimal


@dataclass
class Result:
    star: int
    points: Decimal
    criteria: list[CriterionResult] = field(default_factory=list)


def level_reached(value: Decimal, thresholds: Mapping[int, Decimal]) -> int:
    """The highest level whose threshold the value meets, climbing from one star: a level whose
    threshold is missing, or not met, stops the climb (a value cannot skip a level)."""
    reached = 0
    for star in STARS:
        least = thresholds.get(star)
        if least is None or value < least:
            break
        reached = star
    return reached


def combine(
    rule: str,
    criteria: Sequence[CriterionRule],
    values: Mapping[str, Decimal],
    min_points: Mapping[int, Decimal],
) -> Result:
    """`all`: the highest level every criterion reaches; `points`: each criterion scores its weight
    per level reached and the total reaches the highest level whose minimum points it meets."""
    results = []
    for criterion in criteria:
        value = values.get(criterion.metric, Decimal(0))
        star = level_reached(value, criterion.thresholds)
        results.append(CriterionResult(criterion.metric, value, star, criterion.weight * star))
    points = sum((r.points for r in results), Decimal(0))
    if rule == CombiningRule.POINTS:
        star = level_reached(points, min_points)
    else:
        star = min((r.star for r in results), default=0)
    return Result(star=star, points=points, criteria=results)
