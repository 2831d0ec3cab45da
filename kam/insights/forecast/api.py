"""Forecast, funnel and targets over JSON: the same selectors and services as the pages.
Money is a decimal string; ratios (attainment, coverage, conversion) are decimal strings too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kam.access import permissions
from kam.access.visibility import get_visible_target, targets_for
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    InputSchema,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.money import MONEY_DIGITS
from kam.insights.forecast import selectors
from kam.insights.targets import services as target_services
from kam.org.models import Target, User

router = Router(tags=["forecast"])

Money = Decimal


class ForecastQuery(Schema):
    period: Literal["month", "quarter", "year"] = Field("quarter", description="The kind of period chosen.")
    year: int | None = Field(None, ge=1900, le=9999, description="Default: this year.")
    quarter: int | None = Field(None, ge=1, le=4, description="With period=quarter; default: this quarter.")
    month: int | None = Field(None, ge=1, le=12, description="With period=month; default: this month.")
    bucket: Literal["month", "quarter", "year"] | None = Field(
        None, description="Split the chosen period into months or quarters; default: the period itself."
    )
    group: Literal["rep", "team", "customer", "product_line"] = "team"


class FiguresOut(Schema):
    weighted: Money = Field(..., description="Σ expected amount × stage probability of open opportunities.")
    open_amount: Money = Field(..., description="Unweighted open pipeline.")
    commit: Money
    best_case: Money
    pipeline: Money
    omitted: Money
    won: Money
    open_count: int
    won_count: int


class TargetFiguresOut(Schema):
    target: Money | None = Field(None, description="Σ of the targets whose period lies in the chosen one.")
    attainment: Decimal | None = Field(None, description="won ÷ target (0.5 = 50 %).")
    gap: Money | None = Field(None, description="target − won.")
    remaining: Money | None = Field(None, description="max(target − won, 0).")
    coverage: Decimal | None = Field(
        None, description="open pipeline ÷ remaining target; null if none remains."
    )


class PeriodFiguresOut(FiguresOut):
    period: str


class GroupOut(Schema):
    key: Any = Field(..., description="User, team or customer id, or the product line.")
    label: str
    figures: FiguresOut
    target: TargetFiguresOut | None = None
    periods: list[PeriodFiguresOut]


class ForecastOut(Schema):
    period: str
    start: dt.date
    end: dt.date
    bucket: str
    group: str
    periods: list[PeriodFiguresOut]
    groups: list[GroupOut]
    totals: FiguresOut
    total_target: TargetFiguresOut | None = None


def forecast_payload(result: selectors.ForecastResult, choice: selectors.PeriodChoice) -> dict[str, Any]:
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
def get_forecast(request: HttpRequest, params: Query[ForecastQuery]) -> dict[str, Any]:
    try:
        choice = selectors.choose_period(
            params.period, year=params.year, quarter=params.quarter, month=params.month
        )
    except ValueError as exc:
        raise ValidationError({"period": [str(exc)]}) from exc
    bucket = bucket_for(params.period, params.bucket)
    result = selectors.forecast(
        request.user,  # type: ignore[arg-type]
        params.group,
        bucket,
        start=choice.start,
        end=choice.end,
    )
    return forecast_payload(result, choice)


class FunnelStageOut(Schema):
    stage: str = Field(..., description="Stage code, e.g. `P3`.")
    name: str
    order: int
    probability: int
    open_count: int
    open_amount: Money
    reached: int = Field(..., description="Opportunities whose history reached this stage or a later one.")
    conversion: Decimal | None = Field(
        None, description="Share of those reaching this stage that reached the next (0.5 = 50 %)."
    )


class FunnelOut(Schema):
    process: str
    stages: list[FunnelStageOut]


def funnel_payload(process: Any, stages: list[selectors.FunnelStage]) -> dict[str, Any]:
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
def get_funnel(request: HttpRequest, process: str | None = Query(None, max_length=40)) -> dict[str, Any]:
    found = selectors.default_funnel_process(process)
    if found is None:
        raise ValidationError({"process": [_("Unknown sales process.")]})
    return funnel_payload(found, selectors.funnel(request.user, found))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Targets


class TargetOut(Schema):
    id: int
    user: dict[str, Any] | None = None
    team: dict[str, Any] | None = None
    period_start: dt.date
    period_end: dt.date
    amount: Money
    updated_at: dt.datetime
    version: int = Field(..., description="Send it back as If-Match when you change the target.")


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


class TargetIn(InputSchema):
    user: Id | None = Field(None, description="The person's id (or give team).")
    team: Id | None = Field(None, description="The team's id (or give user).")
    period_start: dt.date
    period_end: dt.date
    amount: Decimal = Field(..., ge=0, max_digits=MONEY_DIGITS, decimal_places=2)


class TargetPatch(InputSchema):
    user: Id | None = None
    team: Id | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=MONEY_DIGITS, decimal_places=2)


class TargetFilters(Schema):
    user: int | None = None
    team: int | None = None
    start: dt.date | None = Field(None, description="Targets whose period starts on or after this day.")
    end: dt.date | None = Field(None, description="Targets whose period ends on or before this day.")


class ForbiddenOut(Schema):
    detail: str = Field(..., description="Always `forbidden`: the user may not set this target.")
    message: str


FORBIDDEN: dict[int, Any] = {403: ForbiddenOut}


def _forbidden(message: str) -> Status:
    return Status(403, {"detail": "forbidden", "message": message})


def _subject(by: User, user_id: int | None, team_id: int | None) -> dict[str, Any]:
    """The person or team a write names, among those the writer may set targets for (422 otherwise)."""
    found: dict[str, Any] = {}
    if user_id is not None:
        user = target_services.settable_users(by).filter(pk=user_id).first()
        if user is None:
            raise ValidationError({"user": [_("Unknown person, or not one you set targets for.")]})
        found["user"] = user
    if team_id is not None:
        team = target_services.settable_teams(by).filter(pk=team_id).first()
        if team is None:
            raise ValidationError({"team": [_("Unknown team, or not one you set targets for.")]})
        found["team"] = team
    return found


@router.get("/targets", response=list[TargetOut], summary="Targets the user may see")
def list_targets(request: HttpRequest, filters: Query[TargetFilters]) -> list[dict[str, Any]]:
    qs = targets_for(request.user)  # type: ignore[arg-type]
    if filters.user:
        qs = qs.filter(user_id=filters.user)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.start:
        qs = qs.filter(period_start__gte=filters.start)
    if filters.end:
        qs = qs.filter(period_end__lte=filters.end)
    return [target_out(t) for t in qs.order_by("period_start", "id")[:1000]]


@router.get("/targets/{target_id}", response={200: TargetOut, **READ_ERRORS}, summary="One target")
def get_target(request: HttpRequest, response: HttpResponse, target_id: Id) -> dict[str, Any]:
    target = get_visible_target(request.user, target_id)
    set_etag(response, target.version)
    return target_out(target)


@router.post("/targets", response={201: TargetOut, **WRITE_ERRORS, **FORBIDDEN}, summary="Set a target")
def create_target(request: HttpRequest, payload: TargetIn) -> Status:
    by: User = request.user  # type: ignore[assignment]
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
    "/targets/{target_id}",
    response={200: TargetOut, **VERSIONED_WRITE_ERRORS, **FORBIDDEN},
    summary="Change a target (If-Match: the version you read)",
)
def update_target(request: HttpRequest, response: HttpResponse, target_id: Id, payload: TargetPatch) -> Any:
    by: User = request.user  # type: ignore[assignment]
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
    "/targets/{target_id}", response={204: None, 404: ErrorOut, **FORBIDDEN}, summary="Delete a target"
)
def delete_target(request: HttpRequest, target_id: Id) -> Status:
    by: User = request.user  # type: ignore[assignment]
    target = get_visible_target(by, target_id)
    try:
        target_services.delete_target(target, by=by)
    except PermissionDenied as exc:
        return _forbidden(str(exc))
    return Status(204, None)
