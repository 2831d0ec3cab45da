"""Approvals over JSON: what awaits me, one request with its decisions, decide."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from kam.access.visibility import get_visible_approval_request
from kam.core.api.helpers import READ_ERRORS, VERSIONED_WRITE_ERRORS, expected_version, set_etag
from kam.core.web import current_user
from kam.org.models import User
from kam.planning.approvals import selectors, services
from kam.planning.approvals.models import ApprovalRequest
from kam.planning.approvals.schemas import ApprovalDecisionIn, ApprovalRequestDetailOut, ApprovalRequestOut

router = Router(tags=["Approvals"])


def _load(user: User, pk: int) -> ApprovalRequest:
    return get_visible_approval_request(user, pk, qs=selectors.with_history(ApprovalRequest.objects.all()))


@router.get("/approvals/awaiting", response=list[ApprovalRequestOut], summary="Requests awaiting my approval")
def awaiting(request: HttpRequest) -> list[dict[str, Any]]:
    """Pending requests whose current step you approve and have not decided yet, oldest first."""
    return [ApprovalRequestOut.from_request(r) for r in selectors.awaiting_page(current_user(request))]


@router.get("/approvals/{int:request_id}", response={200: ApprovalRequestDetailOut, **READ_ERRORS})
def get_request(request: HttpRequest, response: HttpResponse, request_id: int) -> dict[str, Any]:
    """One request with its steps, approvers and decisions (yours, your team's, or one you approve)."""
    approval = _load(current_user(request), request_id)
    set_etag(response, approval.version)
    return ApprovalRequestDetailOut.from_request(approval)


@router.post(
    "/approvals/{int:request_id}/decide",
    response={200: ApprovalRequestDetailOut, **VERSIONED_WRITE_ERRORS},
    summary="Approve or reject at the current step",
)
def decide(
    request: HttpRequest, response: HttpResponse, request_id: int, payload: ApprovalDecisionIn
) -> dict[str, Any]:
    """Needs the version read (If-Match or `version`): 412 if someone decided meanwhile. A rejection
    needs a comment; deciding when you are not an approver of the current step is a 409."""
    user = current_user(request)
    approval = _load(user, request_id)
    version = expected_version(request, approval.version, payload.version)
    services.decide(approval, by=user, approve=payload.approve, comment=payload.comment, version=version)
    approval = _load(user, request_id)
    set_etag(response, approval.version)
    return ApprovalRequestDetailOut.from_request(approval)
