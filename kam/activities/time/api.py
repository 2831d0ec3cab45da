"""The sales time analysis over JSON: the same parser and selector as the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router

from kam.activities.time import selectors
from kam.activities.time.schemas import TimeAnalysisOut, TimeQuery
from kam.core.api.helpers import READ_ERRORS, ValidationErrorOut
from kam.core.web import current_user

router = Router(tags=["activities"])


@router.get(
    "/activities/time",
    url_name="activity_time",
    response={200: TimeAnalysisOut, 422: ValidationErrorOut, **READ_ERRORS},
    summary="Sales time analysis: hours per time category, revenue-producing share and band, per rep, team and tier",
)
def get_time_analysis(request: HttpRequest, params: Query[TimeQuery]) -> dict[str, Any]:
    user = current_user(request)
    filters, errors = selectors.parse_filters(user, params.dict())
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    result = selectors.time_analysis(user, month=filters.month, team=filters.team, owner=filters.owner)
    trend = selectors.monthly_trend(user, month=filters.month, team=filters.team, owner=filters.owner)
    return {**selectors.payload(result), "months": [selectors.row_payload(row) for row in trend]}
