"""Forecast, funnel and targets over JSON: the same selectors and services as the pages.
Money is a decimal string; ratios (attainment, coverage, conversion) are decimal strings too."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access import permissions
from kam.access.visibility import get_visible_target, targets_for
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    expected_version,
    prebuilt,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.insights.forecast import funnel, periods, selectors
from kam.insights.forecast.schemas import (
    ForbiddenOut,
    ForecastOut,
    ForecastQuery,
    FunnelOut,
    TargetFilters,
    TargetIn,
    TargetOut,
    TargetPatch,
)
from kam.insights.targets import selectors as target_selectors
from kam.insights.targets import services as target_services
from kam.org.models import Target, User

router = Router(tags=["forecast"])


def forecast_payload(result: selectors.ForecastResult, choice: periods.PeriodChoice) -> dict[str, Any]:
    return {
        "period": choice.label,
        "start": choice.start,
        "end": choice.end,
        "bucket": result.period,
        "group": result.group,
        "periods": [
            {"period": result.period_label(k), **result.by_period[k].as_dict()} for k in result.periods
        ],
        "groups": [
            {
                "key": g.key,
                "label": g.label,
                "figures": g.figures.as_dict(),
                "target": g.target.as_dict() if g.target else None,
                "periods": [
                    {"period": result.period_label(k), **f.as_dict()} for k, f in sorted(g.by_period.items())
                ],
            }
            for g in result.groups
        ],
        "totals": result.totals.as_dict(),
        "total_target": result.total_target.as_dict() if result.total_target else None,
    }


def bucket_for(kind: str, bucket: str | None) -> str:
    order = {"month": 0, "quarter": 1, "year": 2}
    bucket = bucket or kind
    if order[bucket] > order[kind]:
        raise ValidationError({"bucket": [_("Split a period only into smaller ones.")]})
    return bucket


@router.get("/forecast", response={200: ForecastOut, **READ_ERRORS}, summary="Forecast for a period, grouped")
def get_forecast(request: HttpRequest, response: HttpResponse, params: Query[ForecastQuery]) -> HttpResponse:
    try:
        choice = periods.choose_period(
            params.period, year=params.year, quarter=params.quarter, month=params.month
        )
    except ValueError as exc:
        raise ValidationError({"period": [str(exc)]}) from exc
    bucket = bucket_for(params.period, params.bucket)
    result = selectors.forecast(
        current_user(request),
        params.group,
        bucket,
        start=choice.start,
        end=choice.end,
    )
    # Built in ForecastOut's shape (forecast_payload): validating the hundreds of nested figures
    # again through the schemas took as long as reading them from the rollup.
    return prebuilt(request, response, forecast_payload(result, choice))


def funnel_payload(process: Any, stages: list[funnel.FunnelStage]) -> dict[str, Any]:
    return {
        "process": process.code,
        "stages": [
            {
                "stage": s.stage.code,
                "name": s.stage.display_name,
                "order": s.stage.order,
                "probability": s.stage.probability,
                "open_count": s.open_count,
                "open_amount": s.open_amount,
                "reached": s.reached,
                "conversion": s.conversion,
            }
            for s in stages
        ],
    }


@router.get("/funnel", response={200: FunnelOut, **READ_ERRORS}, summary="Sales funnel of a process")
def get_funnel(
    request: HttpRequest, response: HttpResponse, process: str | None = Query(None, max_length=40)
) -> HttpResponse:
    found = funnel.default_funnel_process(process)
    if found is None:
        raise ValidationError({"process": [_("Unknown sales process.")]})
    # Built in FunnelOut's shape (funnel_payload), rendered without validating it again.
    return prebuilt(request, response, funnel_payload(found, funnel.funnel(current_user(request), found)))


# ---------------------------------------------------------------------------------------------
# Targets


def target_out(target: Target) -> dict[str, Any]:
    return {
        "id": target.pk,
        "user": user_ref(target.user),
        "team": {"id": target.team.pk, "name": target.team.name} if target.team else None,
        "period_start": target.period_start,
        "period_end": target.period_end,
        "amount": target.amount,
        "updated_at": target.updated_at,
        "version": target.version,
    }


FORBIDDEN: dict[int, Any] = {403: ForbiddenOut}


def _forbidden(message: str) -> Status:
    return Status(403, {"detail": "forbidden", "message": message})


def _subject(by: User, user_id: int | None, team_id: int | None) -> dict[str, Any]:
    """The person or team a write names, among those the writer may set targets for (422 otherwise)."""
    found: dict[str, Any] = {}
    if user_id is not None:
        user = target_selectors.settable_users(by).filter(pk=user_id).first()
        if user is None:
            raise ValidationError({"user": [_("Unknown person, or not one you set targets for.")]})
        found["user"] = user
    if team_id is not None:
        team = target_selectors.settable_teams(by).filter(pk=team_id).first()
        if team is None:
            raise ValidationError({"team": [_("Unknown team, or not one you set targets for.")]})
        found["team"] = team
    return found


@router.get("/targets", response=list[TargetOut], summary="Targets the user may see")
def list_targets(request: HttpRequest, filters: Query[TargetFilters]) -> list[dict[str, Any]]:
    qs = targets_for(current_user(request))
    if filters.user:
        qs = qs.filter(user_id=filters.user)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.start:
        qs = qs.filter(period_start__gte=filters.start)
    if filters.end:
        qs = qs.filter(period_end__lte=filters.end)
    return [target_out(t) for t in qs.order_by("period_start", "id")[:1000]]


@router.get("/targets/{int:target_id}", response={200: TargetOut, **READ_ERRORS}, summary="One target")
def get_target(request: HttpRequest, response: HttpResponse, target_id: int) -> dict[str, Any]:
    target = get_visible_target(current_user(request), target_id)
    set_etag(response, target.version)
    return target_out(target)


@router.post("/targets", response={201: TargetOut, **WRITE_ERRORS, **FORBIDDEN}, summary="Set a target")
def create_target(request: HttpRequest, payload: TargetIn) -> Status:
    by = current_user(request)
    if not permissions.may_set_targets(by):
        return _forbidden(_("Only managers, directors and administrators set targets."))
    subject = _subject(by, payload.user, payload.team)
    target = target_services.create_target(
        by=by,
        user=subject.get("user"),
        team=subject.get("team"),
        period_start=payload.period_start,
        period_end=payload.period_end,
        amount=payload.amount,
    )
    return Status(201, target_out(target))


@router.patch(
    "/targets/{int:target_id}",
    response={200: TargetOut, **VERSIONED_WRITE_ERRORS, **FORBIDDEN},
    summary="Change a target (If-Match: the version you read)",
)
def update_target(request: HttpRequest, response: HttpResponse, target_id: int, payload: TargetPatch) -> Any:
    by = current_user(request)
    target = get_visible_target(by, target_id)
    if not permissions.may_set_target(by, user=target.user, team=target.team):
        return _forbidden(str(_("You may not change this target.")))
    version = expected_version(request, target.version)
    changes = payload.dict(exclude_unset=True)
    refuse_nulls(changes, ("period_start", "period_end", "amount"))
    changes.update(_subject(by, changes.pop("user", None), changes.pop("team", None)))
    try:
        target = target_services.update_target(target, by=by, version=version, **changes)
    except PermissionDenied as exc:
        return _forbidden(str(exc))
    set_etag(response, target.version)
    return target_out(target)


@router.delete(
    "/targets/{int:target_id}", response={204: None, 404: ErrorOut, **FORBIDDEN}, summary="Delete a target"
)
def delete_target(request: HttpRequest, target_id: int) -> Status:
    by = current_user(request)
    target = get_visible_target(by, target_id)
    try:
        target_services.delete_target(target, by=by)
    except PermissionDenied as exc:
        return _forbidden(str(exc))
    return Status(204, None)
