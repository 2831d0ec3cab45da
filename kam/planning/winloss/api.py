"""Win/loss over JSON: a closed deal's review (read, write, edit against its version) and the
figures across deals with the deals behind them; visibility-scoped, through the page's services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import get_visible_opportunity
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    ErrorOut,
    RuleViolationOut,
    ValidationErrorOut,
    expected_version,
    refuse_nulls,
    set_etag,
)
from kam.core.errors import RuleViolation
from kam.core.web import current_user
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.fishbone.models import FishboneCause
from kam.planning.winloss import breakdown, selectors, services
from kam.planning.winloss.schemas import (
    ClosedDealOut,
    DealsFiltersIn,
    DealsOut,
    ReviewChangeOut,
    ReviewIn,
    ReviewPageOut,
    ReviewUpdateIn,
    WinLossFiltersIn,
    WinLossOut,
)
from kam.planning.winloss.schemas import ReviewOut as ReviewBody

router = Router(tags=["Win/loss review"])

NOT_NULLABLE = (
    "meeting_date",
    "decided_by",
    "our_people",
    "other_participants",
    "worked",
    "failed",
    "competitor_did",
    "lessons",
    "causes",
)
WRITE_ERRORS = {404: ErrorOut, 409: RuleViolationOut, 422: ValidationErrorOut}


def _opportunity(by: User, pk: int) -> Opportunity:
    return get_visible_opportunity(
        by, pk, queryset=Opportunity.objects.select_related("lost_to", "close_reason_choice")
    )


def _people(ids: list[int]) -> list[User]:
    found = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    if any(i not in found for i in ids):
        raise ValidationError({"our_people": [_("Unknown user.")]})
    return [found[i] for i in ids]


def _causes(opportunity: Opportunity, ids: list[int]) -> list[FishboneCause]:
    found = {c.pk: c for c in FishboneCause.objects.filter(pk__in=ids, opportunity=opportunity)}
    if any(i not in found for i in ids):
        raise ValidationError({"causes": [_("Link only causes from this opportunity's fishbone.")]})
    return [found[i] for i in ids]


def _page(opportunity: Opportunity, response: HttpResponse) -> dict[str, Any]:
    review = selectors.review_for(opportunity)
    if review is not None:
        set_etag(response, review.version)
    return {
        "opportunity": ClosedDealOut.from_opportunity(opportunity),
        "review": ReviewBody.from_review(review) if review is not None else None,
        "history": [ReviewChangeOut.from_change(c) for c in selectors.history(opportunity)],
    }


@router.get(
    "/opportunities/{int:opportunity_id}/winloss",
    response={200: ReviewPageOut, **READ_ERRORS},
    summary="A deal's win/loss review (null until written), its close and the history",
)
def get_review(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    """The ETag header carries the review's version for If-Match."""
    return _page(_opportunity(current_user(request), opportunity_id), response)


@router.post(
    "/opportunities/{int:opportunity_id}/winloss",
    response={201: ReviewPageOut, **WRITE_ERRORS},
    summary="Write a closed deal's win/loss review",
)
def write_review(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: ReviewIn
) -> Status:
    """Once per closed deal: an open deal, or one already reviewed, is a 409."""
    by = current_user(request)
    opportunity = _opportunity(by, opportunity_id)
    data = payload.model_dump()
    data["our_people"] = _people(data["our_people"])
    data["causes"] = _causes(opportunity, data["causes"])
    services.write_review(opportunity, by=by, **data)
    return Status(201, _page(opportunity, response))


@router.patch(
    "/opportunities/{int:opportunity_id}/winloss",
    response={200: ReviewPageOut, **VERSIONED_WRITE_ERRORS},
    summary="Edit a deal's win/loss review",
)
def update_review(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: ReviewUpdateIn
) -> dict[str, Any]:
    """Change the fields sent. Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    opportunity = _opportunity(by, opportunity_id)
    review = selectors.review_for(opportunity)
    if review is None:
        raise RuleViolation(_("This opportunity has no review yet: write it first."))
    version = expected_version(request, review.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULLABLE)
    if "our_people" in changes:
        changes["our_people"] = _people(changes["our_people"])
    if "causes" in changes:
        changes["causes"] = _causes(opportunity, changes["causes"])
    services.update_review(review, by=by, version=version, **changes)
    return _page(opportunity, response)


def _filters(user: User, data: dict[str, Any]) -> breakdown.WinLossFilters:
    filters, errors = breakdown.parse_filters(user, data)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return filters


@router.get(
    "/winloss",
    response={200: WinLossOut, **LIST_ERRORS},
    summary="Closed deals of a period by reason, competitor, stage reached, rep and team",
)
def win_loss(request: HttpRequest, filters: Query[WinLossFiltersIn]) -> dict[str, Any]:
    """Counts, expected amounts and win rate (won ÷ (won + lost)); each row names the query
    parameters of `GET /planning/winloss/deals` that list its deals."""
    user = current_user(request)
    return WinLossOut.from_result(breakdown.win_loss(user, _filters(user, filters.model_dump())))


@router.get("/winloss/deals", response={200: DealsOut, **LIST_ERRORS}, summary="The deals behind the figures")
def win_loss_deals(request: HttpRequest, filters: Query[DealsFiltersIn]) -> dict[str, Any]:
    user = current_user(request)
    data = filters.model_dump()
    rows = breakdown.deal_rows(user, _filters(user, data))
    count = rows.count()
    page = list(rows[data["offset"] : data["offset"] + data["limit"]]) if count else []
    return {
        "count": count,
        "items": [
            {
                "id": row["pk"],
                "project_number": row["project_number"],
                "name": row["name"],
                "customer": row["customer__name"],
                "owner": row["owner__name"] or row["owner__username"],
                "team": row["owner__team__name"] or "",
                "status": row["status"],
                "closed_at": row["closed_at"],
                "reason": breakdown.reason_name(row),
                "reason_words": row["close_reason"],
                "lost_to": row["lost_to__name"] or "",
                "stage_reached": row["furthest_stage_order"],
                "amount": row["expected"],
                "reviewed": row["has_review"],
            }
            for row in page
        ],
    }
