"""The public pool over JSON: the same selectors and services as the pool page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kam.access.visibility import get_visible_customer, get_visible_pool_customer
from kam.core.api.helpers import WRITE_ERRORS, ErrorOut
from kam.core.web import current_user
from kam.customers.pool import duplicates, selectors, services
from kam.customers.pool.schemas import (
    DuplicateMatchOut,
    DuplicateQuery,
    PoolAboutToReturnOut,
    PoolAllowanceOut,
    PoolClaimIn,
    PoolCustomerOut,
    PoolDecisionIn,
    PoolListOut,
    PoolQuery,
    PoolRequestOut,
)

router = Router(tags=["customers"])


@router.get("/customers/pool", response={200: PoolListOut}, summary="Customers in the public pool")
def list_pool(request: HttpRequest, params: Query[PoolQuery]) -> dict[str, Any]:
    user = current_user(request)
    filters = selectors.PoolFilters.parse(params.dict())
    qs = selectors.pool_rows(filters)
    count = qs.count()
    rows = qs[params.offset : params.offset + params.limit] if count else []
    return {
        "items": [PoolCustomerOut.from_customer(c) for c in rows],
        "count": count,
        "allowance": PoolAllowanceOut.from_allowance(selectors.allowance(user)),
    }


@router.get(
    "/customers/pool/about-to-return",
    response={200: list[PoolAboutToReturnOut]},
    summary="Your customers about to return to the pool",
)
def about_to_return(request: HttpRequest) -> list[dict[str, Any]]:
    return [PoolAboutToReturnOut.from_row(r) for r in selectors.about_to_return(current_user(request))]


@router.get(
    "/customers/pool/requests",
    response={200: list[PoolRequestOut]},
    summary="Returns of key customers awaiting your approval",
)
def pending_requests(request: HttpRequest) -> list[dict[str, Any]]:
    return [PoolRequestOut.from_request(r) for r in selectors.pending_requests(current_user(request))]


@router.get(
    "/customers/duplicates",
    response={200: list[DuplicateMatchOut]},
    summary="Customers that may be the same company (name, pinyin of the name, credit code)",
)
def find_duplicates(request: HttpRequest, params: Query[DuplicateQuery]) -> list[dict[str, Any]]:
    matches = duplicates.find_duplicates(
        current_user(request), name=params.name, credit_code=params.credit_code, exclude_pk=params.exclude
    )
    return [DuplicateMatchOut.from_match(m) for m in matches]


@router.post(
    "/customers/pool/{int:customer_id}/claim",
    response={200: PoolCustomerOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Claim a customer from the pool (within your claim limit; duplicates need confirming)",
)
def claim(request: HttpRequest, customer_id: int, payload: PoolClaimIn) -> dict[str, Any]:
    user = current_user(request)
    customer = get_visible_pool_customer(user, customer_id)
    services.claim_customer(customer, by=user, confirm_duplicates=payload.confirm_duplicates)
    return PoolCustomerOut.from_customer(customer)


def _decide(
    request: HttpRequest, customer_id: int, payload: PoolDecisionIn, *, approve: bool
) -> dict[str, Any]:
    user = current_user(request)
    customer = get_visible_customer(user, customer_id)
    decide_with = services.approve_return if approve else services.reject_return
    return PoolRequestOut.from_request(decide_with(customer, by=user, note=payload.note))


@router.post(
    "/customers/pool/{int:customer_id}/approve",
    response={200: PoolRequestOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Approve the pending return of a key customer to the pool",
)
def approve(request: HttpRequest, customer_id: int, payload: PoolDecisionIn) -> dict[str, Any]:
    return _decide(request, customer_id, payload, approve=True)


@router.post(
    "/customers/pool/{int:customer_id}/reject",
    response={200: PoolRequestOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Keep a key customer with its owner (its clock starts again)",
)
def reject(request: HttpRequest, customer_id: int, payload: PoolDecisionIn) -> dict[str, Any]:
    return _decide(request, customer_id, payload, approve=False)
