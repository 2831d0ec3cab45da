"""The rolling cycle over JSON: reviews due and the owner's reminder count, a plan's reviews and
recording one (If-Match with the plan's version: 428 without, 412 when stale), the collective
review (each plan's version in the body), the year's planning cycle (GET; PUT by directors), and
the manager's portfolio. The same services and selectors as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access import permissions
from kam.access.visibility import account_plans_for, get_visible_account_plan
from kam.core.api.helpers import (
    BODY_CHECKED_WRITE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    ErrorOut,
    expected_version,
    set_etag,
)
from kam.core.web import current_user
from kam.org.models import User
from kam.planning.accountplans.models import AccountPlan, PlanningCycle, PlanReview
from kam.planning.accountplans.reviews import portfolio as portfolios
from kam.planning.accountplans.reviews import selectors, services
from kam.planning.accountplans.reviews.schemas import (
    AccountPortfolioFiltersIn,
    AccountPortfolioOut,
    CollectiveReviewIn,
    CollectiveReviewOut,
    PlanningCycleIn,
    PlanningCycleOut,
    PlanReviewIn,
    PlanReviewOut,
    PlanReviewsOut,
    ReminderOut,
    ReviewDueOut,
    ReviewsDueFiltersIn,
    ReviewsDueOut,
)

router = Router(tags=["Account plan reviews"])

CYCLE_WRITE_ERRORS: dict[int, Any] = {**VERSIONED_WRITE_ERRORS, 403: ErrorOut}


def _people(ids: list[int]) -> list[User]:
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"participants": [_("Unknown user.")]})
    return [found[i] for i in dict.fromkeys(ids)]


def _plan_reviews(response: HttpResponse, plan: AccountPlan) -> dict[str, Any]:
    plan = AccountPlan.objects.select_related("customer").get(pk=plan.pk)
    set_etag(response, plan.version)
    return PlanReviewsOut.build(plan, selectors.plan_reviews(plan))


# Reviews due -------------------------------------------------------------------------------------


@router.get("/account-plans/reviews/due", response={200: ReviewsDueOut, **LIST_ERRORS})
def reviews_due(request: HttpRequest, filters: Query[ReviewsDueFiltersIn]) -> dict[str, Any]:
    """Active plans you may see whose next review falls within their segment's reminder window
    (`remind_days_before` of its cadence) or is past; the earliest first."""
    user = current_user(request)
    today = timezone.localdate()
    days = selectors.remind_days()
    qs = selectors.reviews_due(
        user,
        today=today,
        days=days,
        mine=filters.mine,
        owner=filters.owner,
        segment=filters.segment or "",
        overdue_only=filters.overdue,
    )
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    by_segment = selectors.due_counts_by_segment(
        selectors.reviews_due(
            user, today=today, days=days, mine=filters.mine, owner=filters.owner, overdue_only=filters.overdue
        )
    )
    return {
        "items": [ReviewDueOut.from_row(row) for row in selectors.due_rows(page, today)],
        "count": count,
        "by_segment": by_segment,
        "remind_days_before": days,
    }


@router.get("/account-plans/reviews/reminder", response={200: ReminderOut})
def review_reminder(request: HttpRequest) -> dict[str, Any]:
    """The count the top bar's badge shows: your plans with a review due or overdue."""
    return {"count": selectors.reminder_count(current_user(request))}


# A plan's reviews --------------------------------------------------------------------------------


@router.get("/account-plans/{int:plan_id}/reviews", response={200: PlanReviewsOut, **READ_ERRORS})
def plan_reviews(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    """The plan's review history, newest first, with its next due date; the ETag is its version."""
    return _plan_reviews(response, get_visible_account_plan(current_user(request), plan_id))


@router.post("/account-plans/{int:plan_id}/reviews", response={201: PlanReviewOut, **VERSIONED_WRITE_ERRORS})
def record_review(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: PlanReviewIn
) -> Status:
    """Record a review held (not in the future) on an active plan, with its conclusions; the next
    review falls due by the segment's cadence. Needs If-Match with the plan's version."""
    user = current_user(request)
    plan = get_visible_account_plan(user, plan_id)
    version = expected_version(request, plan.version)
    review = services.record_review(
        plan,
        by=user,
        held_on=payload.held_on,
        conclusions=payload.conclusions,
        changes=payload.changes,
        kind=payload.kind,
        participants=_people(payload.participants),
        version=version,
    )
    set_etag(response, plan.version)
    saved = (
        PlanReview.objects.select_related("reviewed_by").prefetch_related("participants").get(pk=review.pk)
    )
    return Status(201, PlanReviewOut.from_review(saved))


@router.post(
    "/account-plans/reviews/collective", response={201: CollectiveReviewOut, **BODY_CHECKED_WRITE_ERRORS}
)
def record_collective_review(request: HttpRequest, payload: CollectiveReviewIn) -> Status:
    """One review for several active plans at once (a segment's collective review): each plan's
    own conclusions, or the shared ones. Each plan names the version read (412 when one is stale);
    all are recorded or none."""
    user = current_user(request)
    ids = [p.plan for p in payload.plans]
    found = {
        p.pk: p
        for p in account_plans_for(user, AccountPlan.objects.filter(pk__in=ids)).select_related("customer")
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            {"plans": [_("Unknown account plan: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]}
        )
    reviews = services.record_collective_review(
        [found[i] for i in ids],
        by=user,
        held_on=payload.held_on,
        conclusions=payload.conclusions,
        changes=payload.changes,
        own_conclusions={p.plan: p.conclusions for p in payload.plans},
        versions={p.plan: p.version for p in payload.plans},
        participants=_people(payload.participants),
    )
    return Status(201, {"reviews": [PlanReviewOut.from_review(r) for r in reviews]})


# The planning cycle ------------------------------------------------------------------------------


@router.get("/account-plans/cycles/{int:year}", response={200: PlanningCycleOut, **READ_ERRORS})
def planning_cycle(request: HttpRequest, response: HttpResponse, year: int) -> dict[str, Any]:
    """The year's timetable and the phase it is in today; 404 when none is set."""
    cycle = selectors.cycle_for(year)
    if cycle is None:
        raise Http404
    today = timezone.localdate()
    set_etag(response, cycle.version)
    return PlanningCycleOut.build(
        cycle, services.current_phase(cycle, today), selectors.timetable(cycle, today)
    )


@router.put(
    "/account-plans/cycles/{int:year}",
    response={200: PlanningCycleOut, 201: PlanningCycleOut, **CYCLE_WRITE_ERRORS},
)
def set_planning_cycle(
    request: HttpRequest, response: HttpResponse, year: int, payload: PlanningCycleIn
) -> Status:
    """Set the year's timetable (directors and administrators): the five dates in order, within
    the year and the one before. A new year's needs no If-Match (201); changing one does."""
    user = current_user(request)
    if not permissions.may_edit_planning_cycle(user):
        raise PermissionDenied(_("Only directors and administrators set the planning cycle."))
    current = selectors.cycle_for(year)
    version = expected_version(request, current.version) if current else None
    services.set_cycle(year, by=user, version=version, **payload.model_dump())
    cycle = PlanningCycle.objects.select_related("updated_by").get(year=year)
    today = timezone.localdate()
    set_etag(response, cycle.version)
    body = PlanningCycleOut.build(
        cycle, services.current_phase(cycle, today), selectors.timetable(cycle, today)
    )
    return Status(200 if current else 201, body)


# The portfolio -----------------------------------------------------------------------------------


@router.get("/account-plans/portfolio", response={200: AccountPortfolioOut, **LIST_ERRORS})
def portfolio(request: HttpRequest, filters: Query[AccountPortfolioFiltersIn]) -> dict[str, Any]:
    """The key accounts you may see, and the important ones: this year's plan (or none), its owner,
    the next review (overdue marked) and the goals off track, with each group's figures."""
    data = portfolios.portfolio(
        current_user(request),
        year=filters.year,
        team=filters.team,
        owner=filters.owner,
        sort=filters.sort,
        descending=filters.descending,
    )
    return AccountPortfolioOut.build(data)
