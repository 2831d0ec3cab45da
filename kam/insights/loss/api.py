"""The loss diagnosis over JSON: the same parser and selector as the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router

from kam.core.api.helpers import READ_ERRORS, ValidationErrorOut
from kam.core.web import current_user
from kam.insights.loss import selectors
from kam.insights.loss.schemas import LossDiagnosisOut, LossQuery

router = Router(tags=["insights"])


@router.get(
    "/loss",
    url_name="loss_diagnosis",
    response={200: LossDiagnosisOut, 422: ValidationErrorOut, **READ_ERRORS},
    summary="Loss diagnosis: deals closed lost or dropped in a period — where, why, to whom, per rep and team — and the largest leak",
)
def get_loss_diagnosis(request: HttpRequest, params: Query[LossQuery]) -> dict[str, Any]:
    user = current_user(request)
    filters, errors = selectors.parse_filters(user, params.dict())
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    result = selectors.loss_diagnosis(
        user, start=filters.start, end=filters.end, team=filters.team, process=filters.process
    )
    return selectors.payload(result)
