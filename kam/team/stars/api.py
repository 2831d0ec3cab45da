"""Star ratings over JSON: schemes, evaluations (create, re-run, adjust, publish), a person's
history and the distribution. Writes need If-Match with the version read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.access.team import (
    get_visible_evaluation,
    get_visible_rated_person,
    get_visible_rating,
    get_visible_star_scheme,
)
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    ErrorOut,
    RuleViolationOut,
    ValidationErrorOut,
    expected_version,
    set_etag,
)
from kam.core.web import current_user
from kam.org.models import Team
from kam.team.stars import selectors, services
from kam.team.stars.models import FamilyMember
from kam.team.stars.schemas import (
    StarAdjustIn,
    StarDistributionOut,
    StarEvaluationDetailOut,
    StarEvaluationIn,
    StarEvaluationOut,
    StarFamilyIn,
    StarFamilyOut,
    StarRatingOut,
    StarSchemeOut,
)

router = Router(tags=["team stars"])

FORBIDDEN: dict[int, Any] = {403: ErrorOut}
CREATE_ERRORS: dict[int, Any] = {**FORBIDDEN, 404: ErrorOut, 409: RuleViolationOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**FORBIDDEN, **VERSIONED_WRITE_ERRORS}


def _detail(request: HttpRequest, response: HttpResponse, evaluation_id: int) -> dict[str, Any]:
    viewer = current_user(request)
    evaluation = get_visible_evaluation(viewer, evaluation_id)
    set_etag(response, evaluation.version)
    body = StarEvaluationOut.build(evaluation)
    body["ratings"] = [StarRatingOut.build(r) for r in selectors.evaluation_ratings(viewer, evaluation)]
    return body


@router.get("/stars/schemes", response={200: list[StarSchemeOut]})
def list_schemes(request: HttpRequest) -> list[dict[str, Any]]:
    """Every rating scheme, with its levels' incentives, criteria and thresholds."""
    return [StarSchemeOut.build(s) for s in selectors.schemes()]


@router.get("/stars/schemes/{int:scheme_id}", response={200: StarSchemeOut, **READ_ERRORS})
def get_scheme(request: HttpRequest, scheme_id: int) -> dict[str, Any]:
    return StarSchemeOut.build(
        get_visible_star_scheme(current_user(request), scheme_id, queryset=selectors.schemes())
    )


@router.get("/stars/evaluations", response={200: list[StarEvaluationOut]})
def list_evaluations(request: HttpRequest) -> list[dict[str, Any]]:
    """The evaluations the caller runs or reviews (none for a rep: see the person's history)."""
    return [StarEvaluationOut.build(e) for e in selectors.evaluations(current_user(request))[:200]]


@router.post("/stars/evaluations", response={201: StarEvaluationDetailOut, **CREATE_ERRORS})
def create_evaluation(request: HttpRequest, response: HttpResponse, payload: StarEvaluationIn) -> Status:
    """Rate everyone of the scheme's family in the team's subtree over the year (or its quarter):
    a draft rating per person, computed from the data."""
    by = current_user(request)
    scheme = get_visible_star_scheme(by, payload.scheme, queryset=selectors.schemes())
    team = None
    if payload.team is not None:
        team = Team.objects.filter(pk=payload.team).first()
        if team is None:
            raise ValidationError({"team": [_("Unknown team.")]})
    start, end = services.period_bounds(scheme.period, payload.year, payload.quarter)
    evaluation = services.create_evaluation(scheme, by=by, period_start=start, period_end=end, team=team)
    return Status(201, _detail(request, response, evaluation.pk))


@router.get("/stars/evaluations/{int:evaluation_id}", response={200: StarEvaluationDetailOut, **READ_ERRORS})
def get_evaluation(request: HttpRequest, response: HttpResponse, evaluation_id: int) -> dict[str, Any]:
    """The evaluation with each rating's criteria values, levels and adjustments; ETag: its version."""
    return _detail(request, response, evaluation_id)


@router.post(
    "/stars/evaluations/{int:evaluation_id}/run", response={200: StarEvaluationDetailOut, **WRITE_ERRORS}
)
def rerun_evaluation(request: HttpRequest, response: HttpResponse, evaluation_id: int) -> dict[str, Any]:
    """Compute a draft again from today's data (adjusted levels stay). Needs If-Match."""
    by = current_user(request)
    evaluation = get_visible_evaluation(by, evaluation_id)
    services.rerun_evaluation(evaluation, by=by, version=expected_version(request, evaluation.version))
    return _detail(request, response, evaluation_id)


@router.post(
    "/stars/evaluations/{int:evaluation_id}/publish", response={200: StarEvaluationDetailOut, **WRITE_ERRORS}
)
def publish_evaluation(request: HttpRequest, response: HttpResponse, evaluation_id: int) -> dict[str, Any]:
    """Publish: the ratings become history and supersede the people's earlier ones. Needs If-Match."""
    by = current_user(request)
    evaluation = get_visible_evaluation(by, evaluation_id)
    services.publish_evaluation(evaluation, by=by, version=expected_version(request, evaluation.version))
    return _detail(request, response, evaluation_id)


@router.post("/stars/ratings/{int:rating_id}/adjust", response={200: StarRatingOut, **WRITE_ERRORS})
def adjust_rating(
    request: HttpRequest, response: HttpResponse, rating_id: int, payload: StarAdjustIn
) -> dict[str, Any]:
    """Set a draft rating's final level with the reason (required). Needs If-Match with the rating's version."""
    by = current_user(request)
    rating = get_visible_rating(by, rating_id)
    version = expected_version(request, rating.version)
    services.adjust_rating(rating, by=by, version=version, star=payload.star, reason=payload.reason)
    fresh = next(r for r in selectors.evaluation_ratings(by, rating.evaluation) if r.pk == rating.pk)
    set_etag(response, fresh.version)
    return StarRatingOut.build(fresh)


@router.get("/stars/people/{int:user_id}/history", response={200: list[StarRatingOut], **READ_ERRORS})
def person_history(request: HttpRequest, user_id: int) -> list[dict[str, Any]]:
    """A person's published ratings, newest first (a rep reads only their own)."""
    viewer = current_user(request)
    person = get_visible_rated_person(viewer, user_id)
    return [StarRatingOut.build(r) for r in selectors.history(viewer, person)]


@router.put(
    "/stars/people/{int:user_id}/family",
    response={200: StarFamilyOut, **FORBIDDEN, **READ_ERRORS, 422: ValidationErrorOut},
)
def set_family(request: HttpRequest, user_id: int, payload: StarFamilyIn) -> dict[str, Any]:
    """Put a person in a role family (their manager or a director)."""
    by = current_user(request)
    person = get_visible_rated_person(by, user_id)
    member = services.assign_family(person, payload.family, by=by)
    return {"person": {"id": person.pk, "name": str(person)}, "family": member.family}


@router.get("/stars/people/{int:user_id}/family", response={200: StarFamilyOut, **READ_ERRORS})
def get_family(request: HttpRequest, user_id: int) -> dict[str, Any]:
    person = get_visible_rated_person(current_user(request), user_id)
    member = FamilyMember.objects.filter(user=person).first()
    return {"person": {"id": person.pk, "name": str(person)}, "family": member.family if member else None}


@router.get("/stars/distribution", response={200: StarDistributionOut, 422: ValidationErrorOut})
def star_distribution(request: HttpRequest, on: dt.date | None = None) -> dict[str, Any]:
    """People per star level in force on `on` (default today), per team the caller may see."""
    day = on or timezone.localdate()
    return StarDistributionOut.build(selectors.distribution(current_user(request), day))
