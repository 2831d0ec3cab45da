"""The demo's approval requests beyond initiation: the same engine on other flows, so the managers
and the director find discount and contract approvals waiting next to the initiation reports
(kam.demo.planning.initiation writes those)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.planning.approvals import services
from kam.planning.approvals.models import ApprovalAssignment, ApprovalRequest

if TYPE_CHECKING:
    from django.db.models import QuerySet


def build(builder: Any, rng: random.Random) -> None:
    """Two discount requests awaiting a manager, one contract approval awaiting the director after
    its manager approved, on open late-stage deals."""
    late = list(
        Opportunity.objects.filter(
            owner__username__startswith="demo_", status=OpportunityStatus.OPEN, stage__order__gte=5
        )
        .select_related("owner")
        .order_by("project_number")
    )
    if not late:
        return
    picked = rng.sample(late, k=min(3, len(late)))
    for opportunity in picked[:2]:
        services.submit(
            opportunity,
            flow_code="discount",
            by=opportunity.owner,
            title=f"折扣申请 / Discount request: {opportunity.name}",
        )
    if len(picked) > 2:
        opportunity = picked[2]
        request = services.submit(
            opportunity,
            flow_code="contract",
            by=opportunity.owner,
            title=f"合同审批 / Contract approval: {opportunity.name}",
        )
        manager = ApprovalAssignment.objects.filter(request=request, step=request.current_step).first()
        if manager is not None:
            services.decide(request, by=manager.approver, approve=True, comment="同意 / Agreed")


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Requests on the demo's deals, and any its people submitted or were to approve (they are
    protected while their requests stand)."""
    opportunity_type = ContentType.objects.get_for_model(Opportunity)
    ApprovalRequest.objects.filter(
        Q(target_type=opportunity_type, target_id__in=deals.values("pk"))
        | Q(requested_by__in=users)
        | Q(subject_owner__in=users)
        | Q(decisions__approver__in=users)
    ).delete()
    ApprovalAssignment.objects.filter(approver__in=users).delete()
