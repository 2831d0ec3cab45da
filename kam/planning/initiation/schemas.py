"""API shapes for the initiation report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema, Ref, user_ref
from kam.opportunities.models import Opportunity
from kam.planning.initiation import selectors, services
from kam.planning.initiation.models import InitiationReport


class InitiationApprovalOut(Schema):
    id: int
    status: str
    current_step: str | None


class InitiationChangeOut(Schema):
    action: str = Field(..., description="created, edited, submitted, approved, rejected or withdrawn.")
    changed_by: Ref | None
    changed_at: dt.datetime
    changes: dict[str, Any] = Field(..., description="For an edit: {field: [old, new]}.")
    comment: str


class InitiationReportOut(Schema):
    opportunity: int
    status: str = Field(..., description="not_started, draft, pending, approved or rejected.")
    background: str
    customer_needs: str
    our_solution: str
    product_line: str
    resources: str
    expense_budget: Decimal | None
    gross_margin: Decimal | None = Field(..., description="Estimated gross margin, in per cent.")
    risks: str
    elements: dict[str, Any] = Field(
        ..., description="The four elements: as submitted, or live from the deal."
    )
    competitors: list[dict[str, Any]]
    decision_chain: list[dict[str, Any]]
    rejection_comment: str
    approval: InitiationApprovalOut | None
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    version: int = Field(..., description="0 until the report is first saved; send it in If-Match to write.")
    history: list[InitiationChangeOut]

    @staticmethod
    def build(opportunity: Opportunity, report: InitiationReport | None) -> dict[str, Any]:
        live = report is None or report.is_editable
        values = (
            services.prefill(opportunity)
            if report is None
            else {n: getattr(report, n) for n in services.FIELDS}
        )
        approval = report.approval if report is not None else None
        return {
            "opportunity": opportunity.pk,
            "status": report.status if report is not None else "not_started",
            **values,
            "elements": selectors.four_elements(opportunity) if live else report.elements,  # type: ignore[union-attr]
            "competitors": selectors.competitors(opportunity) if live else report.competitors,  # type: ignore[union-attr]
            "decision_chain": selectors.decision_chain(opportunity) if live else report.decision_chain,  # type: ignore[union-attr]
            "rejection_comment": report.rejection_comment if report is not None else "",
            "approval": {
                "id": approval.pk,
                "status": approval.status,
                "current_step": approval.current_step.display_name if approval.current_step else None,
            }
            if approval is not None
            else None,
            "submitted_at": report.submitted_at if report is not None else None,
            "approved_at": report.approved_at if report is not None else None,
            "version": report.version if report is not None else 0,
            "history": [
                {
                    "action": c.action,
                    "changed_by": user_ref(c.changed_by),
                    "changed_at": c.changed_at,
                    "changes": c.changes,
                    "comment": c.comment,
                }
                for c in (selectors.history(report) if report is not None else [])
            ],
        }


class InitiationReportIn(InputSchema):
    background: str | None = Field(None, max_length=services.TEXT_MAX)
    customer_needs: str | None = Field(None, max_length=services.TEXT_MAX)
    our_solution: str | None = Field(None, max_length=services.TEXT_MAX)
    product_line: str | None = Field(None, max_length=100)
    resources: str | None = Field(None, max_length=services.TEXT_MAX)
    expense_budget: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    gross_margin: Decimal | None = Field(None, ge=-100, le=100, max_digits=5, decimal_places=2)
    risks: str | None = Field(None, max_length=services.TEXT_MAX)
