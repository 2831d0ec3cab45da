"""Writes to satisfaction surveys: a survey recorded (five-point: a score per active question and an
overall, or NPS 0–10) or deleted, each with its history line; `refresh_care` keeps the customer's
latest satisfaction level and churn risk on `CustomerCare` (its satisfaction fields only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import customers_for
from kam.customers.models import Customer
from kam.customers.scoring import tasks as rescores
from kam.delivery import history
from kam.delivery.models import (
    ChurnBand,
    CustomerCare,
    SatisfactionSurvey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyScale,
    SurveySource,
)
from kam.delivery.satisfaction.selectors import question_text
from kam.org.models import User
from kam.relationships.models import Contact

COMMENT_MAX = 2000


# The churn curve ------------------------------------------------------------------------------------


def level_of(scale: str, overall: int) -> int:
    """The satisfaction level (1–5) a survey's overall score stands for: the score itself on the
    five-point scale; on NPS, the band whose nps_from..nps_to holds the score."""
    if scale == SurveyScale.FIVE:
        return int(overall)
    band = ChurnBand.objects.filter(nps_from__lte=overall, nps_to__gte=overall).order_by("level").first()
    if band is None:
        raise ValidationError(
            {"overall": [_("The churn curve has no band for an NPS of %(score)d.") % {"score": overall}]}
        )
    return band.level


def churn_of(level: int | None) -> Decimal | None:
    """The churn risk (%) the curve gives a satisfaction level."""
    if level is None:
        return None
    return ChurnBand.objects.filter(level=level).values_list("churn_percent", flat=True).first()


def refresh_care(customer: Customer | int) -> CustomerCare:
    """Write the latest survey's level and churn risk to the customer's care row (satisfaction
    fields only: the receivables' fields belong to the payments)."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    latest = (
        SatisfactionSurvey.objects.filter(customer_id=customer_id)
        .order_by("-taken_on", "-id")
        .values("scale", "overall", "taken_on")
        .first()
    )
    level = level_of(latest["scale"], latest["overall"]) if latest else None
    fields: dict[str, Any] = {
        "satisfaction_level": level,
        "satisfaction_on": latest["taken_on"] if latest else None,
        "churn_percent": churn_of(level),
    }
    care, _created = CustomerCare.objects.update_or_create(customer_id=customer_id, defaults=fields)
    # Satisfaction and churn risk are inputs of the scoring model's dynamic criteria.
    rescores.request_rescore([customer_id])
    return care


# Surveys -------------------------------------------------------------------------------------------------


def _lock(customer: Customer) -> None:
    """One survey write per customer at a time: the care row then follows the survey that is truly
    latest, not whichever of two concurrent writers saw less."""
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).first()


def check_may_edit(by: User, customer: Customer) -> None:
    if not customers_for(by).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("You cannot record surveys for this customer."))


def _clean(
    customer: Customer,
    *,
    scale: str,
    taken_on: dt.date | None,
    overall: int | None,
    answers: dict[int, int] | None,
    source: str,
    contact: Contact | None,
    comment: str,
) -> tuple[dict[str, Any], dict[SurveyQuestion, int]]:
    errors: dict[str, list[str]] = {}
    if scale not in SurveyScale.values:
        errors["scale"] = [_("Choose the five-point scale or NPS.")]
    if source not in SurveySource.values:
        errors["source"] = [_("Say whether the team recorded it or it came back on a form.")]
    if taken_on is None:
        errors["taken_on"] = [_("Enter the date of the survey.")]
    elif taken_on > timezone.localdate():
        errors["taken_on"] = [_("A survey cannot be dated in the future.")]
    high = 5 if scale == SurveyScale.FIVE else 10
    low = 1 if scale == SurveyScale.FIVE else 0
    if overall is None:
        errors["overall"] = [_("Enter the overall score.")]
    elif not low <= int(overall) <= high:
        errors["overall"] = [
            _("The overall score is between %(low)d and %(high)d.") % {"low": low, "high": high}
        ]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("Choose a contact of this customer.")]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("At most %(count)d characters.") % {"count": COMMENT_MAX}]
    scores: dict[SurveyQuestion, int] = {}
    if scale == SurveyScale.FIVE:
        questions = list(SurveyQuestion.objects.filter(is_active=True))
        given = answers or {}
        unknown = set(given) - {q.pk for q in questions}
        if unknown:
            errors["answers"] = [_("Answer only the survey's active questions.")]
        missing = [question_text(q) for q in questions if given.get(q.pk) is None]
        bad = [
            question_text(q)
            for q in questions
            if given.get(q.pk) is not None and not 1 <= int(given[q.pk]) <= 5
        ]
        if missing:
            errors.setdefault("answers", []).append(
                _("Score every question from 1 to 5. Missing: %(items)s.") % {"items": "; ".join(missing)}
            )
        if bad:
            errors.setdefault("answers", []).append(
                _("Scores are from 1 to 5: %(items)s.") % {"items": "; ".join(bad)}
            )
        scores = {q: int(given[q.pk]) for q in questions if q.pk in given}
    elif answers:
        errors["answers"] = [_("An NPS survey has only its overall score.")]
    if errors:
        raise ValidationError(errors)
    values = {
        "scale": scale,
        "taken_on": taken_on,
        "overall": int(overall),  # type: ignore[arg-type]
        "source": source,
        "contact": contact,
        "comment": comment,
    }
    return values, scores


def record_survey(
    customer: Customer,
    *,
    by: User,
    taken_on: dt.date | None,
    overall: int | None,
    scale: str = SurveyScale.FIVE,
    answers: dict[int, int] | None = None,
    source: str = SurveySource.TEAM,
    contact: Contact | None = None,
    comment: str = "",
) -> SatisfactionSurvey:
    """Record a survey and refresh the customer's churn risk."""
    check_may_edit(by, customer)
    values, scores = _clean(
        customer,
        scale=scale,
        taken_on=taken_on,
        overall=overall,
        answers=answers,
        source=source,
        contact=contact,
        comment=comment,
    )
    with transaction.atomic():
        _lock(customer)
        survey = SatisfactionSurvey.objects.create(customer=customer, recorded_by=by, **values)
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(survey=survey, question=q, score=score) for q, score in scores.items()
        )
        care = refresh_care(customer)
        history.record(
            customer=customer,
            record="survey",
            record_id=survey.pk,
            action="recorded",
            summary=_("Survey of %(date)s: %(overall)d (%(scale)s)")
            % {
                "date": survey.taken_on.isoformat(),
                "overall": survey.overall,
                "scale": survey.get_scale_display(),
            },
            changes={
                "taken_on": [None, survey.taken_on.isoformat()],
                "overall": [None, survey.overall],
                "scale": [None, survey.scale],
                "answers": [None, {str(q.pk): s for q, s in scores.items()}],
                "churn_percent": [None, care.churn_percent],
            },
            by=by,
        )
    return survey


def delete_survey(survey: SatisfactionSurvey, *, by: User) -> None:
    """Remove a survey (a mistake): its history line keeps what it said; the churn risk follows the
    survey now latest."""
    customer = survey.customer
    check_may_edit(by, customer)
    with transaction.atomic():
        _lock(customer)
        answers = {str(q): s for q, s in survey.answers.values_list("question_id", "score")}
        record: dict[str, list[Any]] = {
            "taken_on": [survey.taken_on.isoformat(), None],
            "overall": [survey.overall, None],
            "scale": [survey.scale, None],
            "answers": [answers, None],
        }
        pk = survey.pk
        survey.delete()
        refresh_care(customer)
        history.record(
            customer=customer,
            record="survey",
            record_id=pk,
            action="deleted",
            summary=_("Survey of %(date)s deleted") % {"date": record["taken_on"][0]},
            changes=record,
            by=by,
        )
