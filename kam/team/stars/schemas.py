"""API shapes for star ratings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.team.stars.models import Evaluation, Rating, Scheme
from kam.team.stars.selectors import Distribution

FamilyChoice = Literal["regional", "strategic", "service"]


class StarThresholdOut(Schema):
    star: int
    min_value: Decimal


class StarCriterionOut(Schema):
    id: int
    metric: str = Field(
        ...,
        description="won_revenue, new_key_accounts, target_attainment, process_passed, certified or satisfaction.",
    )
    label: str
    weight: Decimal = Field(..., description="Points per level reached (points rule).")
    thresholds: list[StarThresholdOut]


class StarLevelOut(Schema):
    star: int
    min_points: Decimal
    base_band: str
    commission_multiplier: Decimal
    allowance: Decimal


class StarSchemeOut(Schema):
    id: int
    name: str
    name_en: str
    family: str
    period: str = Field(..., description="quarter or year.")
    rule: str = Field(..., description="all (every criterion reaches the level) or points.")
    active: bool
    levels: list[StarLevelOut]
    criteria: list[StarCriterionOut]
    version: int

    @staticmethod
    def build(scheme: Scheme) -> dict[str, Any]:
        return {
            "id": scheme.pk,
            "name": scheme.name,
            "name_en": scheme.name_en,
            "family": scheme.family,
            "period": scheme.period,
            "rule": scheme.rule,
            "active": scheme.active,
            "version": scheme.version,
            "levels": [
                {
                    "star": level.star,
                    "min_points": level.min_points,
                    "base_band": level.base_band,
                    "commission_multiplier": level.commission_multiplier,
                    "allowance": level.allowance,
                }
                for level in scheme.levels.all()
            ],
            "criteria": [
                {
                    "id": c.pk,
                    "metric": c.metric,
                    "label": str(c.get_metric_display()),
                    "weight": c.weight,
                    "thresholds": [{"star": t.star, "min_value": t.min_value} for t in c.thresholds.all()],
                }
                for c in scheme.criteria.all()
            ],
        }


class StarValueOut(Schema):
    metric: str
    value: Decimal
    star: int = Field(..., description="The level this criterion reaches (0: not even one star).")
    points: Decimal


class StarAdjustmentOut(Schema):
    from_star: int
    to_star: int
    reason: str
    by: Ref
    at: dt.datetime


class StarRatingOut(Schema):
    id: int
    evaluation: int
    person: Ref
    period_start: dt.date
    period_end: dt.date
    proposed_star: int
    final_star: int
    points: Decimal
    reason: str
    published_at: dt.datetime | None
    effective_from: dt.date = Field(..., description="From this day a published rating sets the incentive.")
    superseded_by: int | None
    values: list[StarValueOut]
    adjustments: list[StarAdjustmentOut]
    version: int

    @staticmethod
    def build(rating: Rating) -> dict[str, Any]:
        evaluation = rating.evaluation
        return {
            "id": rating.pk,
            "evaluation": evaluation.pk,
            "person": user_ref(rating.user),
            "period_start": evaluation.period_start,
            "period_end": evaluation.period_end,
            "proposed_star": rating.proposed_star,
            "final_star": rating.final_star,
            "points": rating.points,
            "reason": rating.reason,
            "published_at": rating.published_at,
            "effective_from": rating.effective_from,
            "superseded_by": rating.superseded_by_id,
            "values": [
                {"metric": v.metric, "value": v.value, "star": v.star, "points": v.points}
                for v in rating.values.all()
            ],
            "adjustments": [
                {
                    "from_star": a.from_star,
                    "to_star": a.to_star,
                    "reason": a.reason,
                    "by": user_ref(a.by),
                    "at": a.at,
                }
                for a in rating.adjustments.all()
            ],
            "version": rating.version,
        }


class StarEvaluationOut(Schema):
    id: int
    scheme: Ref
    family: str
    team: Ref | None
    period_start: dt.date
    period_end: dt.date
    status: str = Field(..., description="draft or published.")
    created_by: Ref
    published_at: dt.datetime | None
    version: int

    @staticmethod
    def build(evaluation: Evaluation) -> dict[str, Any]:
        team = evaluation.team
        return {
            "id": evaluation.pk,
            "scheme": {"id": evaluation.scheme_id, "name": str(evaluation.scheme)},
            "family": evaluation.scheme.family,
            "team": {"id": team.pk, "name": str(team)} if team else None,
            "period_start": evaluation.period_start,
            "period_end": evaluation.period_end,
            "status": evaluation.status,
            "created_by": user_ref(evaluation.created_by),
            "published_at": evaluation.published_at,
            "version": evaluation.version,
        }


class StarEvaluationDetailOut(StarEvaluationOut):
    ratings: list[StarRatingOut]


class StarEvaluationIn(InputSchema):
    scheme: Id
    year: int = Field(..., ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4, description="For a quarterly scheme.")
    team: Id | None = Field(None, description="The team whose subtree is rated; none: everyone (directors).")


class StarAdjustIn(InputSchema):
    star: int = Field(..., ge=0, le=5)
    reason: str = Field(..., max_length=1000)


class StarFamilyIn(InputSchema):
    family: FamilyChoice


class StarFamilyOut(Schema):
    person: Ref
    family: str | None


class StarTeamCountsOut(Schema):
    team: Ref | None
    counts: list[int] = Field(..., description="People per level, index 0 (no star) to 5.")


class StarDistributionOut(Schema):
    on: dt.date
    teams: list[StarTeamCountsOut]
    totals: list[int]

    @staticmethod
    def build(result: Distribution) -> dict[str, Any]:
        return {
            "on": result.on,
            "teams": [
                {"team": {"id": row.team_id, "name": row.name} if row.team_id else None, "counts": row.counts}
                for row in result.rows
            ],
            "totals": result.totals,
        }
