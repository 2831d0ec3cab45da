"""1×5 process metrics over JSON: the scorecard (scoped like the page) and the metrics themselves
(read by everyone signed in, written by managers and above through the same services)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import get_visible_process_metric
from kam.activities.metrics import selectors, services
from kam.activities.metrics.schemas import (
    ProcessMetricIn,
    ProcessMetricOut,
    ProcessMetricUpdateIn,
    ScorecardOut,
    ScorecardQuery,
)
from kam.activities.models import ActivityKind
from kam.core.api.helpers import READ_ERRORS, WRITE_ERRORS, ErrorOut, ValidationErrorOut
from kam.core.web import current_user

router = Router(tags=["activities"])


def _kinds(codes: list[str]) -> list[ActivityKind]:
    kinds = list(ActivityKind.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {kind.code for kind in kinds})
    if unknown:
        raise ValidationError(
            {"kinds": [_("Unknown activity kinds: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    return kinds


@router.get(
    "/activities/process-metrics/scorecard",
    url_name="process_scorecard",
    response={200: ScorecardOut, 422: ValidationErrorOut, **READ_ERRORS},
    summary="1×5 scorecard: per active metric, rep and cycle, the count and pass or miss",
)
def get_scorecard(request: HttpRequest, params: Query[ScorecardQuery]) -> dict[str, Any]:
    user = current_user(request)
    day, team, errors = selectors.parse_scorecard(user, params.dict())
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return selectors.payload(
        selectors.process_scorecard(user, cycle_start=day, team=team, cycles=params.cycles)
    )


@router.get(
    "/activities/process-metrics",
    url_name="process_metrics",
    response={200: list[ProcessMetricOut]},
    summary="The 1×5 quantified actions",
)
def list_metrics(request: HttpRequest) -> list[dict[str, Any]]:
    return [selectors.metric_payload(metric) for metric in selectors.metrics_list()]


@router.post(
    "/activities/process-metrics",
    response={201: ProcessMetricOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Define a 1×5 quantified action (managers and above)",
)
def create_metric(request: HttpRequest, payload: ProcessMetricIn) -> Status:
    by = current_user(request)
    values = payload.model_dump()
    kinds = _kinds(values.pop("kinds"))
    metric = services.create_metric(by=by, kinds=kinds, **values)
    return Status(201, selectors.metric_payload(get_visible_process_metric(by, metric.pk)))


@router.patch(
    "/activities/process-metrics/{int:metric_id}",
    response={200: ProcessMetricOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Change a 1×5 quantified action (managers and above)",
)
def update_metric(request: HttpRequest, metric_id: int, payload: ProcessMetricUpdateIn) -> dict[str, Any]:
    by = current_user(request)
    metric = get_visible_process_metric(by, metric_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in changes.items() if value is None)
    if nulls:
        raise ValidationError({name: [_("Leave the field out instead of sending null.")] for name in nulls})
    codes = changes.pop("kinds", None)
    services.update_metric(metric, by=by, kinds=_kinds(codes) if codes is not None else None, **changes)
    return selectors.metric_payload(get_visible_process_metric(by, metric_id))


@router.delete(
    "/activities/process-metrics/{int:metric_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Remove a 1×5 quantified action (managers and above)",
)
def delete_metric(request: HttpRequest, metric_id: int) -> Status:
    by = current_user(request)
    services.delete_metric(get_visible_process_metric(by, metric_id), by=by)
    return Status(204, None)
