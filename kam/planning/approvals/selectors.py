"""Approvals: the reads — a record's latest request, what awaits a person, a request's history."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.urls import reverse

from kam.access.visibility import approval_requests_for
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.approvals.models import (
    ApprovalAssignment,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStatus,
)


def latest_for(target: Model, *, flow_code: str | None = None) -> ApprovalRequest | None:
    """The record's most recent request (on one flow when `flow_code` is given), or None."""
    qs = ApprovalRequest.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).select_related("flow", "current_step")
    if flow_code:
        qs = qs.filter(flow__code=flow_code)
    return qs.order_by("-id").first()


def requests_for(target: Model) -> QuerySet[ApprovalRequest]:
    """Every request on the record, newest first (the history of submissions)."""
    return ApprovalRequest.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).order_by("-id")


def awaiting(user: User) -> QuerySet[ApprovalRequest]:
    """Pending requests whose current step `user` approves and has not decided yet."""
    mine = ApprovalAssignment.objects.filter(
        request=OuterRef("pk"), step=OuterRef("current_step"), approver=user
    )
    decided = ApprovalDecision.objects.filter(
        request=OuterRef("pk"), step=OuterRef("current_step"), approver=user
    )
    return (
        ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING)
        .filter(Exists(mine))
        .exclude(Exists(decided))
        .order_by("submitted_at", "id")
    )


def awaiting_count(user: User) -> int:
    return awaiting(user).count()


def awaiting_page(user: User) -> list[ApprovalRequest]:
    """The awaiting list with what each row shows (flow, step, submitter, the target) preloaded."""
    return list(
        awaiting(user)
        .select_related("flow", "current_step", "requested_by", "subject_owner", "target_type")
        .prefetch_related("target")
    )


def visible_requests(user: User) -> QuerySet[ApprovalRequest]:
    """Requests a person may read (kam.access.visibility decides)."""
    return approval_requests_for(user)


def with_history(qs: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return qs.select_related(
        "flow", "current_step", "requested_by", "subject_owner", "target_type"
    ).prefetch_related(
        "decisions__approver", "decisions__step", "assignments__approver", "assignments__step", "flow__steps"
    )


def target_url(request: ApprovalRequest) -> str:
    """The page of the record the request is about, when it has one."""
    target = request.target
    if isinstance(target, Opportunity):
        return reverse("opportunities:detail", args=[target.pk])
    get_url = getattr(target, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""
