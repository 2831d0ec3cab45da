"""API shapes for account plans (the plan itself: sections, team, shares, forecast, approval,
revisions, history). The OGSM and the reviews have shapes of their own in their parts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.planning.accountplans.models import (
    AccountPlan,
    PlanChange,
    PlanForecastYear,
    PlanMember,
    PlanRevision,
    PlanShare,
)
from kam.planning.accountplans.services import TEXT_MAX
from kam.planning.approvals.models import ApprovalRequest

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
LongText = Annotated[str, Field(max_length=TEXT_MAX)]
Year = Annotated[int, Field(ge=2000, le=2100)]
StatusChoice = Literal["draft", "submitted", "active", "closed"]
SegmentChoice = Literal["key", "important", "general"]
RoleChoice = Literal["lead", "sponsor", "sales", "solution", "delivery", "service", "other"]
SortChoice = Literal[
    "customer",
    "-customer",
    "year",
    "-year",
    "status",
    "-status",
    "owner",
    "-owner",
    "review",
    "-review",
    "updated",
    "-updated",
]


class AccountPlanFiltersIn(TextSafeSchema):
    year: Year | None = None
    status: StatusChoice | None = None
    owner: Id | None = Field(None, description="Only plans this user owns.")
    customer: Id | None = None
    segment: SegmentChoice | None = Field(None, description="The customer's segment.")
    q: str | None = Field(
        None, max_length=100, description="In the customer's name or the executive summary."
    )
    sort: SortChoice = "-year"
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class AccountPlanSummaryOut(Schema):
    id: int
    customer: Ref
    year: int
    owner: Ref
    status: str
    segment: str
    covers_group: bool
    revenue_target: Decimal | None
    next_review_due: dt.date | None
    last_reviewed_on: dt.date | None
    version: int
    updated_at: dt.datetime

    @staticmethod
    def from_plan(plan: AccountPlan) -> dict[str, Any]:
        return {
            "id": plan.pk,
            "customer": ref(plan.customer),
            "year": plan.year,
            "owner": user_ref(plan.owner),
            "status": plan.status,
            "segment": plan.customer.segment,
            "covers_group": plan.covers_group,
            "revenue_target": plan.revenue_target,
            "next_review_due": plan.next_review_due,
            "last_reviewed_on": plan.last_reviewed_on,
            "version": plan.version,
            "updated_at": plan.updated_at,
        }


class AccountPlanListOut(Schema):
    items: list[AccountPlanSummaryOut]
    count: int = Field(..., description="Total matching rows; page with limit and offset.")


class AccountPlanMemberOut(Schema):
    id: int
    user: Ref
    role: str
    responsibility: str
    time_share: Decimal | None

    @staticmethod
    def from_member(member: PlanMember) -> dict[str, Any]:
        return {
            "id": member.pk,
            "user": user_ref(member.user),
            "role": member.role,
            "responsibility": member.responsibility,
            "time_share": member.time_share,
        }


class AccountPlanShareOut(Schema):
    id: int
    product_line: str
    region: str
    customer_demand: Decimal | None
    our_revenue: Decimal | None
    share: Decimal | None = Field(..., description="Our revenue over the customer's demand, in per cent.")
    target_share: Decimal | None

    @staticmethod
    def from_share(share: PlanShare) -> dict[str, Any]:
        return {
            "id": share.pk,
            "product_line": share.product_line,
            "region": share.region,
            "customer_demand": share.customer_demand,
            "our_revenue": share.our_revenue,
            "share": share.share,
            "target_share": share.target_share,
        }


class AccountPlanForecastYearOut(Schema):
    year: int
    revenue: Decimal | None
    contribution: Decimal | None
    cost_to_serve: Decimal | None
    share: Decimal | None

    @staticmethod
    def from_row(row: PlanForecastYear) -> dict[str, Any]:
        return {
            "year": row.year,
            "revenue": row.revenue,
            "contribution": row.contribution,
            "cost_to_serve": row.cost_to_serve,
            "share": row.share,
        }


class AccountPlanApprovalOut(Schema):
    id: int
    status: str
    current_step: str | None

    @staticmethod
    def from_request(request: ApprovalRequest | None) -> dict[str, Any] | None:
        if request is None:
            return None
        return {
            "id": request.pk,
            "status": request.status,
            "current_step": request.current_step.display_name if request.current_step else None,
        }


class AccountPlanOut(AccountPlanSummaryOut):
    executive_summary: str
    strategic_choices: str
    business_risks: str
    customer_objectives: str
    contribution_target: Decimal | None
    cost_to_serve: Decimal | None
    total_demand: Decimal | None
    target_share: Decimal | None
    action_plan_year: str
    action_plan_outline: str
    resources: str
    budget: Decimal | None
    rejection_comment: str
    submitted_at: dt.datetime | None
    activated_at: dt.datetime | None
    closed_at: dt.datetime | None
    approval: AccountPlanApprovalOut | None
    members: list[AccountPlanMemberOut]
    shares: list[AccountPlanShareOut]
    forecast: list[AccountPlanForecastYearOut]
    links: dict[str, str] = Field(..., description="The plan's page, its OGSM and its reviews.")

    @staticmethod
    def build(
        plan: AccountPlan,
        *,
        members: list[PlanMember],
        shares: list[PlanShare],
        forecast: list[PlanForecastYear],
        approval: ApprovalRequest | None,
    ) -> dict[str, Any]:
        return {
            **AccountPlanSummaryOut.from_plan(plan),
            **{
                name: getattr(plan, name)
                for name in (
                    "executive_summary",
                    "strategic_choices",
                    "business_risks",
                    "customer_objectives",
                    "contribution_target",
                    "cost_to_serve",
                    "total_demand",
                    "target_share",
                    "action_plan_year",
                    "action_plan_outline",
                    "resources",
                    "budget",
                    "rejection_comment",
                    "submitted_at",
                    "activated_at",
                    "closed_at",
                )
            },
            "approval": AccountPlanApprovalOut.from_request(approval),
            "members": [AccountPlanMemberOut.from_member(m) for m in members],
            "shares": [AccountPlanShareOut.from_share(s) for s in shares],
            "forecast": [AccountPlanForecastYearOut.from_row(r) for r in forecast],
            "links": {
                "page": plan.get_absolute_url(),
                "ogsm": reverse("planning_ogsm:cascade", kwargs={"pk": plan.pk}),
                "reviews": reverse("planning_reviews:plan", kwargs={"pk": plan.pk}),
            },
        }


class AccountPlanSectionsIn(InputSchema):
    """The §9 sections; only the fields sent are changed (null empties an amount)."""

    executive_summary: LongText | None = None
    strategic_choices: LongText | None = None
    business_risks: LongText | None = None
    customer_objectives: LongText | None = None
    revenue_target: Money | None = None
    contribution_target: Money | None = None
    cost_to_serve: Money | None = None
    total_demand: Money | None = Field(
        None, description="Defaults to the customer's annual purchases of the category."
    )
    target_share: Percent | None = None
    action_plan_year: LongText | None = None
    action_plan_outline: LongText | None = None
    resources: LongText | None = None
    budget: Money | None = None
    covers_group: bool | None = None


class AccountPlanCreateIn(AccountPlanSectionsIn):
    customer: Id = Field(..., description="Id of a customer you can see.")
    year: Year
    owner: Id | None = Field(None, description="Defaults to the customer's owner.")


class AccountPlanUpdateIn(AccountPlanSectionsIn):
    owner: Id | None = Field(None, description="A new owner joins the team as account lead.")


class AccountPlanMemberIn(InputSchema):
    user: Id
    role: RoleChoice = "sales"
    responsibility: str = Field("", max_length=300)
    time_share: Percent | None = None


class AccountPlanMemberUpdateIn(InputSchema):
    role: RoleChoice | None = None
    responsibility: str | None = Field(None, max_length=300)
    time_share: Percent | None = None


class AccountPlanShareIn(InputSchema):
    product_line: str = Field(..., min_length=1, max_length=100)
    region: str = Field("", max_length=100)
    customer_demand: Money | None = None
    our_revenue: Money | None = None
    target_share: Percent | None = None


class AccountPlanShareUpdateIn(InputSchema):
    product_line: str | None = Field(None, min_length=1, max_length=100)
    region: str | None = Field(None, max_length=100)
    customer_demand: Money | None = None
    our_revenue: Money | None = None
    target_share: Percent | None = None


class AccountPlanForecastYearIn(InputSchema):
    year: Year
    revenue: Money | None = None
    contribution: Money | None = None
    cost_to_serve: Money | None = None
    share: Percent | None = None


class AccountPlanForecastIn(InputSchema):
    rows: list[AccountPlanForecastYearIn] = Field(..., min_length=1, max_length=5)


class AccountPlanRevisionOut(Schema):
    number: int
    reason: str
    created_by: Ref | None
    created_at: dt.datetime
    snapshot: dict[str, Any] | None = Field(
        None, description="The whole plan as it stood (in a revision's own read)."
    )

    @staticmethod
    def from_revision(revision: PlanRevision, *, with_snapshot: bool = False) -> dict[str, Any]:
        return {
            "number": revision.number,
            "reason": revision.reason,
            "created_by": user_ref(revision.created_by),
            "created_at": revision.created_at,
            "snapshot": revision.snapshot if with_snapshot else None,
        }


class AccountPlanChangeOut(Schema):
    action: str = Field(
        ...,
        description="created, edited, submitted, approved, rejected, withdrawn, closed, reviewed or ogsm.",
    )
    changed_by: Ref | None
    changed_at: dt.datetime
    summary: str
    changes: dict[str, Any]

    @staticmethod
    def from_change(change: PlanChange) -> dict[str, Any]:
        return {
            "action": change.action,
            "changed_by": user_ref(change.changed_by),
            "changed_at": change.changed_at,
            "summary": change.summary,
            "changes": change.changes,
        }
