"""The customer pyramid over JSON: the same parser and selector as the page, so the figures match.

Money is a decimal string in yuan. Shares are fractions of the total as decimal strings with four
places (0.6400 = 64 %), null when the total is zero. Sales hours are the done activities' hours on
the group's customers in the same window, with one decimal.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router

from kam.core.api.helpers import READ_ERRORS, ValidationErrorOut
from kam.core.web import current_user
from kam.customers.pyramid import selectors
from kam.customers.pyramid.schemas import PyramidOut, PyramidQuery

router = Router(tags=["customers"])


@router.get(
    "/customers/pyramid",
    url_name="customer_pyramid",
    response={200: PyramidOut, 422: ValidationErrorOut, **READ_ERRORS},
    summary="Customer pyramid: shares of customers, revenue and gross profit per segment or tier",
)
def get_pyramid(request: HttpRequest, params: Query[PyramidQuery]) -> dict[str, Any]:
    user = current_user(request)
    filters, errors = selectors.parse_filters(user, params.dict())
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return selectors.payload(selectors.pyramid(user, filters))
