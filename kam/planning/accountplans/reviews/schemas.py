"""API shapes of the rolling cycle: reviews due, a plan's reviews, the collective review, the
planning cycle and the portfolio."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.planning.accountplans.models import AccountPlan, PlanningCycle, PlanReview
from kam.planning.accountplans.reviews.portfolio import Portfolio, PortfolioRow
from kam.planning.accountplans.reviews.selectors import DueRow, PhaseRow
from kam.planning.accountplans.reviews.services import CHANGES_MAX, CONCLUSIONS_MAX

SegmentChoice = Literal["key", "important", "general"]
ReviewKindChoice = Literal["scheduled", "collective", "ad_hoc"]
PortfolioSort = Literal["name", "owner", "status", "due", "off_track"]


# Reviews due -------------------------------------------------------------------------------------


class ReviewsDueFiltersIn(TextSafeSchema):
    mine: bool = Field(False, description="Only the plans you own.")
    owner: Id | None = Field(None, description="Only the plans this person owns.")
    segment: SegmentChoice | None = Field(None, description="The customer's segment.")
    overdue: bool = Field(False, description="Only the plans whose review is past due.")
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class ReviewDueOut(Schema):
    plan: int
    customer: Ref
    segment: str
    year: int
    owner: Ref
    last_reviewed_on: dt.date | None
    next_review_due: dt.date
    days_until_due: int = Field(..., description="Negative when overdue.")
    overdue: bool
    days_overdue: int
    version: int = Field(..., description="The plan's version: If-Match when recording its review.")

    @staticmethod
    def from_row(row: DueRow) -> dict[str, Any]:
        plan = row.plan
        return {
            "plan": plan.pk,
            "customer": ref(plan.customer),
            "segment": plan.customer.segment,
            "year": plan.year,
            "owner": user_ref(plan.owner),
            "last_reviewed_on": plan.last_reviewed_on,
            "next_review_due": plan.next_review_due,
            "days_until_due": row.days,
            "overdue": row.overdue,
            "days_overdue": row.days_overdue,
            "version": plan.version,
        }


class ReviewsDueOut(Schema):
    items: list[ReviewDueOut]
    count: int
    by_segment: dict[str, int] = Field(..., description="Plans due per segment, before the segment filter.")
    remind_days_before: dict[str, int] = Field(..., description="Each segment's reminder window in days.")


class ReminderOut(Schema):
    count: int = Field(
        ..., description="Your plans (as owner) with a review due within the window or overdue."
    )


# A plan's reviews --------------------------------------------------------------------------------


class PlanReviewOut(Schema):
    id: int
    held_on: dt.date
    kind: str
    conclusions: str
    changes: str
    reviewed_by: Ref
    participants: list[Ref]
    next_due: dt.date | None
    created_at: dt.datetime

    @staticmethod
    def from_review(review: PlanReview) -> dict[str, Any]:
        return {
            "id": review.pk,
            "held_on": review.held_on,
            "kind": review.kind,
            "conclusions": review.conclusions,
            "changes": review.changes,
            "reviewed_by": user_ref(review.reviewed_by),
            "participants": [user_ref(p) for p in review.participants.all()],
            "next_due": review.next_due,
            "created_at": review.created_at,
        }


class PlanReviewsOut(Schema):
    plan: int
    customer: Ref
    year: int
    status: str
    last_reviewed_on: dt.date | None
    next_review_due: dt.date | None
    version: int
    reviews: list[PlanReviewOut]

    @staticmethod
    def build(plan: AccountPlan, reviews: list[PlanReview]) -> dict[str, Any]:
        return {
            "plan": plan.pk,
            "customer": ref(plan.customer),
            "year": plan.year,
            "status": plan.status,
            "last_reviewed_on": plan.last_reviewed_on,
            "next_review_due": plan.next_review_due,
            "version": plan.version,
            "reviews": [PlanReviewOut.from_review(r) for r in reviews],
        }


class PlanReviewIn(InputSchema):
    held_on: dt.date
    conclusions: str = Field(..., max_length=CONCLUSIONS_MAX)
    changes: str = Field("", max_length=CHANGES_MAX)
    kind: ReviewKindChoice = "scheduled"
    participants: list[Id] = Field(default_factory=list, max_length=100)


class CollectivePlanIn(InputSchema):
    plan: Id
    version: Id = Field(..., description="The plan's version you read (412 when stale).")
    conclusions: str = Field("", max_length=CONCLUSIONS_MAX, description="Its own; else the shared ones.")


class CollectiveReviewIn(InputSchema):
    held_on: dt.date
    conclusions: str = Field(
        "", max_length=CONCLUSIONS_MAX, description="Shared by the plans without their own."
    )
    changes: str = Field("", max_length=CHANGES_MAX)
    plans: list[CollectivePlanIn] = Field(..., min_length=1, max_length=500)
    participants: list[Id] = Field(default_factory=list, max_length=100)


class CollectiveReviewOut(Schema):
    reviews: list[PlanReviewOut]


# The planning cycle ------------------------------------------------------------------------------


class CyclePhaseOut(Schema):
    key: str
    label: str
    starts: dt.date
    ends: dt.date | None
    current: bool

    @staticmethod
    def from_row(row: PhaseRow) -> dict[str, Any]:
        return {
            "key": row.key,
            "label": str(row.label),
            "starts": row.starts,
            "ends": row.ends,
            "current": row.current,
        }


class PlanningCycleOut(Schema):
    year: int
    expectations: str
    preparation_starts: dt.date
    drafting_starts: dt.date
    drafting_ends: dt.date
    review_by: dt.date
    implementation_starts: dt.date
    current_phase: str = Field(..., description="upcoming, preparation, drafting, review or implementation.")
    phases: list[CyclePhaseOut]
    updated_by: Ref | None
    updated_at: dt.datetime
    version: int

    @staticmethod
    def build(cycle: PlanningCycle, phase: str, phases: list[PhaseRow]) -> dict[str, Any]:
        return {
            "year": cycle.year,
            "expectations": cycle.expectations,
            "preparation_starts": cycle.preparation_starts,
            "drafting_starts": cycle.drafting_starts,
            "drafting_ends": cycle.drafting_ends,
            "review_by": cycle.review_by,
            "implementation_starts": cycle.implementation_starts,
            "current_phase": phase,
            "phases": [CyclePhaseOut.from_row(p) for p in phases],
            "updated_by": user_ref(cycle.updated_by),
            "updated_at": cycle.updated_at,
            "version": cycle.version,
        }


class PlanningCycleIn(InputSchema):
    preparation_starts: dt.date
    drafting_starts: dt.date
    drafting_ends: dt.date
    review_by: dt.date
    implementation_starts: dt.date
    expectations: str = Field("", max_length=CONCLUSIONS_MAX)


# The portfolio -----------------------------------------------------------------------------------


class AccountPortfolioFiltersIn(TextSafeSchema):
    year: int | None = Field(None, ge=2000, le=2100, description="The plans' year; this year by default.")
    team: Id | None = Field(None, description="Customers owned by this team and the teams below it.")
    owner: Id | None = Field(None, description="Customers this user owns.")
    sort: PortfolioSort = "name"
    descending: bool = False


class AccountPortfolioRowOut(Schema):
    customer: Ref
    owner: str
    team: str
    plan: int | None
    status: str | None = Field(..., description="This year's plan's status; null without a plan.")
    plan_owner: str
    covered_by_group: bool = Field(..., description="Covered by its parent group's active plan.")
    no_active_plan: bool
    last_reviewed_on: dt.date | None
    next_review_due: dt.date | None
    overdue: bool
    days_overdue: int
    goals_off_track: int

    @staticmethod
    def from_row(row: PortfolioRow) -> dict[str, Any]:
        return {
            "customer": {"id": row.customer_id, "name": row.customer_name},
            "owner": row.owner_name,
            "team": row.team_name,
            "plan": row.plan_id,
            "status": row.status,
            "plan_owner": row.plan_owner_name,
            "covered_by_group": row.covered_by_group,
            "no_active_plan": row.no_active_plan,
            "last_reviewed_on": row.last_reviewed_on,
            "next_review_due": row.next_review_due,
            "overdue": row.overdue,
            "days_overdue": row.days_overdue,
            "goals_off_track": row.off_track,
        }


class AccountPortfolioGroupOut(Schema):
    segment: str
    customers: int
    with_active_plan: int
    without_active_plan: int
    in_progress: int = Field(..., description="Plans in draft or awaiting approval.")
    overdue: int
    off_track_goals: int
    rows: list[AccountPortfolioRowOut]


class AccountPortfolioOut(Schema):
    year: int
    today: dt.date
    groups: list[AccountPortfolioGroupOut]

    @staticmethod
    def build(data: Portfolio) -> dict[str, Any]:
        return {
            "year": data.year,
            "today": data.today,
            "groups": [
                {
                    "segment": g.segment,
                    "customers": g.customers,
                    "with_active_plan": g.with_active_plan,
                    "without_active_plan": g.without_active_plan,
                    "in_progress": g.in_progress,
                    "overdue": g.overdue,
                    "off_track_goals": g.off_track_goals,
                    "rows": [AccountPortfolioRowOut.from_row(r) for r in g.rows],
                }
                for g in data.groups
            ],
        }
