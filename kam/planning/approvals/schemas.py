"""API shapes for approvals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.planning.approvals.models import ApprovalRequest
from kam.planning.approvals.selectors import target_url


class ApprovalTargetOut(Schema):
    type: str = Field(..., description="The record's model, e.g. `planning_initiation.initiationreport`.")
    id: int
    url: str = Field(..., description="Its page, when it has one.")


class ApprovalStepOut(Schema):
    id: int
    order: int
    name: str
    mode: str = Field(..., description="`any` (或签: one approval moves on) or `all` (会签: every approver).")
    approvers: list[Ref]


class ApprovalDecisionOut(Schema):
    step: Ref
    approver: Ref
    approve: bool
    comment: str
    at: dt.datetime


class ApprovalRequestOut(Schema):
    id: int
    flow: str = Field(..., description="The flow's code (initiation, bid-price, contract, discount, …).")
    flow_name: str
    title: str
    target: ApprovalTargetOut
    status: str = Field(..., description="pending, approved, rejected or withdrawn.")
    current_step: Ref | None
    requested_by: Ref
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    version: int = Field(..., description="Send it back (If-Match or `version`) to decide.")

    @staticmethod
    def from_request(r: ApprovalRequest) -> dict[str, Any]:
        step = r.current_step
        return {
            "id": r.pk,
            "flow": r.flow.code,
            "flow_name": r.flow.display_name,
            "title": r.title,
            "target": {
                "type": f"{r.target_type.app_label}.{r.target_type.model}",
                "id": r.target_id,
                "url": target_url(r),
            },
            "status": r.status,
            "current_step": {"id": step.pk, "name": step.display_name} if step else None,
            "requested_by": user_ref(r.requested_by),
            "submitted_at": r.submitted_at,
            "decided_at": r.decided_at,
            "version": r.version,
        }


class ApprovalRequestDetailOut(ApprovalRequestOut):
    steps: list[ApprovalStepOut]
    decisions: list[ApprovalDecisionOut]

    @staticmethod
    def from_request(r: ApprovalRequest) -> dict[str, Any]:
        body = ApprovalRequestOut.from_request(r)
        assignments = list(r.assignments.all())
        body["steps"] = [
            {
                "id": s.pk,
                "order": s.order,
                "name": s.display_name,
                "mode": s.mode,
                "approvers": [user_ref(a.approver) for a in assignments if a.step_id == s.pk],
            }
            for s in r.flow.steps.all()
        ]
        body["decisions"] = [
            {
                "step": {"id": d.step.pk, "name": d.step.display_name},
                "approver": user_ref(d.approver),
                "approve": d.approve,
                "comment": d.comment,
                "at": d.at,
            }
            for d in r.decisions.all()
        ]
        return body


class ApprovalDecisionIn(InputSchema):
    approve: bool
    comment: str = Field(
        "", max_length=2000, description="Required to reject: it goes back to the submitter."
    )
    version: Id | None = Field(None, description="The version read, when not sent as If-Match.")
