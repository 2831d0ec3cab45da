"""Reads for satisfaction: the surveys the reader sees, a customer's history with its answers and
trend, the churn curve and the customer's care row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import get_language

from kam.access.visibility import customers_for
from kam.customers.models import Customer
from kam.delivery.models import ChurnBand, CustomerCare, SatisfactionSurvey, SurveyAnswer, SurveyQuestion
from kam.org.models import User

# The customer section shows this many surveys (the list page has them all).
SECTION_SURVEYS = 12


def surveys_for(user: User) -> QuerySet[SatisfactionSurvey]:
    return SatisfactionSurvey.objects.filter(customer__in=customers_for(user))


def get_visible_survey(user: User, pk: Any) -> SatisfactionSurvey:
    survey = surveys_for(user).select_related("customer", "contact", "recorded_by").filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


def bands() -> list[ChurnBand]:
    return list(ChurnBand.objects.order_by("level"))


def band_name(band: ChurnBand) -> str:
    english = not (get_language() or "").lower().startswith("zh")
    return (band.name_en or band.name) if english else band.name


def questions() -> list[SurveyQuestion]:
    return list(SurveyQuestion.objects.filter(is_active=True))


def question_text(question: SurveyQuestion) -> str:
    english = not (get_language() or "").lower().startswith("zh")
    return (question.text_en or question.text) if english else question.text


def with_answers(qs: QuerySet[SatisfactionSurvey]) -> QuerySet[SatisfactionSurvey]:
    return qs.select_related("contact", "recorded_by").prefetch_related(
        Prefetch(
            "answers", queryset=SurveyAnswer.objects.select_related("question").order_by("question__order")
        )
    )


def care_of(customer: Customer) -> CustomerCare | None:
    return CustomerCare.objects.filter(customer=customer).first()


@dataclass
class Section:
    customer: Customer
    surveys: list[SatisfactionSurvey]
    care: CustomerCare | None
    band: ChurnBand | None
    bands: list[ChurnBand]
    trend: list[dict[str, Any]]


def section(customer: Customer) -> Section:
    """What the customer's 360° page shows: the latest surveys with their answers, the churn risk
    now and its band, and the levels over time (oldest first)."""
    surveys = list(with_answers(customer.surveys.all()).order_by("-taken_on", "-id")[:SECTION_SURVEYS])
    all_bands = bands()
    care = care_of(customer)
    level = care.satisfaction_level if care else None
    by_level = {b.level: b for b in all_bands}
    trend = [
        {
            "date": s.taken_on.isoformat(),
            "level": level_for(s, all_bands),
            "overall": s.overall,
            "scale": s.scale,
        }
        for s in reversed(surveys)
    ]
    return Section(customer, surveys, care, by_level.get(level) if level else None, all_bands, trend)


def level_for(survey: SatisfactionSurvey, all_bands: list[ChurnBand]) -> int | None:
    """The level a survey stands for, without a query (the curve read once)."""
    if survey.scale == "five":
        return survey.overall
    return next((b.level for b in all_bands if b.nps_from <= survey.overall <= b.nps_to), None)


# Sort keys offered on the surveys list; anything else falls back to the newest first.
SURVEY_SORTS: dict[str, tuple[str, ...]] = {
    "customer": ("customer__name", "id"),
    "taken_on": ("taken_on", "id"),
    "overall": ("overall", "id"),
    "scale": ("scale", "id"),
}
DEFAULT_SURVEY_SORT = "-taken_on"


@dataclass
class SurveyFilters:
    customer: int | None = None
    scale: str = ""
    source: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    max_overall: int | None = None
    sort: str = DEFAULT_SURVEY_SORT


def survey_list(user: User, filters: SurveyFilters) -> QuerySet[SatisfactionSurvey]:
    qs = surveys_for(user).select_related("customer", "contact", "recorded_by").order_by("-taken_on", "-id")
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.scale:
        qs = qs.filter(scale=filters.scale)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.date_from:
        qs = qs.filter(taken_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(taken_on__lte=filters.date_to)
    if filters.max_overall is not None:
        qs = qs.filter(overall__lte=filters.max_overall)
    key = filters.sort.lstrip("-")
    if key not in SURVEY_SORTS or filters.sort.count("-") > 1:
        filters.sort, key = DEFAULT_SURVEY_SORT, DEFAULT_SURVEY_SORT.lstrip("-")
    descending = filters.sort.startswith("-")
    return qs.order_by(*(F(name).desc() if descending else F(name).asc() for name in SURVEY_SORTS[key]))


def history(customer: Customer, limit: int = 30) -> list[Any]:
    return list(
        customer.delivery_changes.filter(record="survey")
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )
