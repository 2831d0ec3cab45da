"""API shapes for satisfaction surveys and the churn curve."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, ref, user_ref
from kam.delivery.models import ChurnBand, CustomerCare, SatisfactionSurvey


class AnswerOut(Schema):
    question: int
    text: str
    score: int


class SurveyOut(Schema):
    id: int
    customer: Ref
    contact: Ref | None
    taken_on: dt.date
    scale: str = Field(..., description="five (1–5) or nps (0–10).")
    source: str = Field(..., description="team or form.")
    overall: int
    answers: list[AnswerOut]
    comment: str
    recorded_by: Ref | None
    recorded_at: dt.datetime

    @staticmethod
    def build(survey: SatisfactionSurvey, answers: bool = True) -> dict[str, Any]:
        return {
            "id": survey.pk,
            "customer": {"id": survey.customer_id, "name": survey.customer.name},
            "contact": ref(survey.contact),
            "taken_on": survey.taken_on,
            "scale": survey.scale,
            "source": survey.source,
            "overall": survey.overall,
            "answers": [
                {"question": a.question_id, "text": a.question.text, "score": a.score}
                for a in survey.answers.all()
            ]
            if answers
            else [],
            "comment": survey.comment,
            "recorded_by": user_ref(survey.recorded_by),
            "recorded_at": survey.recorded_at,
        }


class SurveyListOut(Schema):
    count: int
    results: list[SurveyOut]


class ChurnBandOut(Schema):
    level: int
    name: str
    name_en: str
    churn_percent: Decimal
    nps_from: int
    nps_to: int

    @staticmethod
    def build(band: ChurnBand) -> dict[str, Any]:
        return {
            "level": band.level,
            "name": band.name,
            "name_en": band.name_en,
            "churn_percent": band.churn_percent,
            "nps_from": band.nps_from,
            "nps_to": band.nps_to,
        }


class CareOut(Schema):
    satisfaction_level: int | None
    satisfaction_on: dt.date | None
    churn_percent: Decimal | None
    band: ChurnBandOut | None

    @staticmethod
    def build(care: CustomerCare | None, band: ChurnBand | None) -> dict[str, Any]:
        return {
            "satisfaction_level": care.satisfaction_level if care else None,
            "satisfaction_on": care.satisfaction_on if care else None,
            "churn_percent": care.churn_percent if care else None,
            "band": ChurnBandOut.build(band) if band else None,
        }


class TrendPointOut(Schema):
    date: str
    level: int | None
    overall: int
    scale: str


class CustomerSatisfactionOut(Schema):
    customer: Ref
    care: CareOut
    surveys: list[SurveyOut]
    trend: list[TrendPointOut]


class SurveyIn(InputSchema):
    taken_on: dt.date
    scale: Literal["five", "nps"] = "five"
    source: Literal["team", "form"] = "team"
    overall: int = Field(..., ge=0, le=10)
    answers: dict[str, Annotated[int, Field(ge=0, le=10)]] = Field(
        default_factory=dict, description="Question id → score 1–5, every active question (five-point only)."
    )
    contact: Id | None = None
    comment: str = Field("", max_length=2000)
