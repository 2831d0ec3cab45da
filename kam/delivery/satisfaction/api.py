"""Satisfaction over JSON: the churn curve, a customer's surveys with the churn risk now and the
trend, the surveys list, recording and deleting a survey."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kam.access.visibility import get_visible_customer
from kam.core.api.helpers import (
    DEFAULT_LIMIT,
    LIST_ERRORS,
    MAX_LIMIT,
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    Offset,
    paginate,
)
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.delivery.satisfaction import selectors, services
from kam.delivery.satisfaction.schemas import (
    CareOut,
    ChurnBandOut,
    CustomerSatisfactionOut,
    SurveyIn,
    SurveyListOut,
    SurveyOut,
)
from kam.relationships.models import Contact

router = Router(tags=["Delivery: satisfaction"])


class SurveyQuery(Schema):
    customer: Id | None = None
    scale: Literal["", "five", "nps"] = ""
    source: Literal["", "team", "form"] = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    max_overall: int | None = Field(None, ge=0, le=10)
    sort: str = Field(
        "", max_length=30, description="customer, taken_on, overall or scale; - for descending."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: Offset = 0


@router.get("/churn-curve", response={200: list[ChurnBandOut]})
def churn_curve(request: HttpRequest) -> list[dict[str, Any]]:
    """The levels 1–5 with their churn risk (%) and the NPS scores each stands for."""
    return [ChurnBandOut.build(b) for b in selectors.bands()]


@router.get("/surveys", response={200: SurveyListOut, **LIST_ERRORS})
def list_surveys(request: HttpRequest, filters: Query[SurveyQuery]) -> dict[str, Any]:
    qs = selectors.survey_list(
        current_user(request),
        selectors.SurveyFilters(
            customer=filters.customer,
            scale=filters.scale,
            source=filters.source,
            max_overall=filters.max_overall,
            date_from=filters.date_from,
            date_to=filters.date_to,
            sort=filters.sort or selectors.DEFAULT_SURVEY_SORT,
        ),
    )
    page = paginate(selectors.with_answers(qs), filters.limit, filters.offset)
    return {"count": qs.count(), "results": [SurveyOut.build(s) for s in page]}


@router.get(
    "/customers/{int:customer_id}/satisfaction", response={200: CustomerSatisfactionOut, **READ_ERRORS}
)
def customer_satisfaction(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The customer's latest surveys, the churn risk now with its band, and the levels over time."""
    customer = get_visible_customer(current_user(request), customer_id)
    section = selectors.section(customer)
    return {
        "customer": {"id": customer.pk, "name": customer.name},
        "care": CareOut.build(section.care, section.band),
        "surveys": [SurveyOut.build(s) for s in section.surveys],
        "trend": section.trend,
    }


@router.post("/customers/{int:customer_id}/surveys", response={201: SurveyOut, **WRITE_ERRORS})
def record_survey(request: HttpRequest, customer_id: int, payload: SurveyIn) -> Status:
    """Five-point (`answers` for every active question, `overall` 1–5) or NPS (`overall` 0–10)."""
    user = current_user(request)
    customer = get_visible_customer(user, customer_id)
    contact = None
    if payload.contact is not None:
        contact = Contact.objects.filter(pk=payload.contact, customer=customer).first()
        if contact is None:
            raise ValidationError({"contact": [_("Choose a contact of this customer.")]})
    answers: dict[int, int] = {}
    for key, score in payload.answers.items():
        question = parse_id(key)
        if question is None:
            raise ValidationError({"answers": [_("Answer only the survey's active questions.")]})
        answers[question] = score
    survey = services.record_survey(
        customer,
        by=user,
        taken_on=payload.taken_on,
        overall=payload.overall,
        scale=payload.scale,
        source=payload.source,
        answers=answers,
        contact=contact,
        comment=payload.comment,
    )
    return Status(201, SurveyOut.build(selectors.with_answers(selectors.surveys_for(user)).get(pk=survey.pk)))


@router.get("/surveys/{int:survey_id}", response={200: SurveyOut, **READ_ERRORS})
def get_survey(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    user = current_user(request)
    selectors.get_visible_survey(user, survey_id)
    return SurveyOut.build(selectors.with_answers(selectors.surveys_for(user)).get(pk=survey_id))


@router.delete("/surveys/{int:survey_id}", response={204: None, 404: ErrorOut})
def delete_survey(request: HttpRequest, survey_id: int) -> Status:
    """A survey recorded by mistake; the history keeps what it said and the churn risk follows the
    survey now latest. Surveys are never edited, so no If-Match."""
    user = current_user(request)
    services.delete_survey(selectors.get_visible_survey(user, survey_id), by=user)
    return Status(204, None)
