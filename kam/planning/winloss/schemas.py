"""API shapes of the win/loss review and the win/loss figures across deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.core.limits import SEARCH_MAX
from kam.opportunities.models import Opportunity
from kam.planning.winloss.breakdown import Row, WinLoss
from kam.planning.winloss.models import PARTICIPANTS_MAX, REVIEW_TEXT_MAX, WinLossReview, WinLossReviewChange

Outcome = Literal["won", "lost", "dropped"]


class ReviewIn(InputSchema):
    meeting_date: dt.date = Field(..., description="When the review meeting took place (today or earlier).")
    decided_by: str = Field(..., max_length=REVIEW_TEXT_MAX, description="What decided the deal; required.")
    our_people: list[Id] = Field(
        default_factory=list, max_length=100, description="Our participants (user ids)."
    )
    other_participants: str = Field("", max_length=PARTICIPANTS_MAX, description="Participants outside kam.")
    worked: str = Field("", max_length=REVIEW_TEXT_MAX, description="What worked.")
    failed: str = Field("", max_length=REVIEW_TEXT_MAX, description="What failed.")
    competitor_did: str = Field("", max_length=REVIEW_TEXT_MAX, description="What the competitor did.")
    lessons: str = Field("", max_length=REVIEW_TEXT_MAX, description="Lessons.")
    causes: list[Id] = Field(
        default_factory=list,
        max_length=200,
        description="Ids of this deal's fishbone causes the review bears out.",
    )


class ReviewUpdateIn(InputSchema):
    meeting_date: dt.date | None = None
    decided_by: str | None = Field(None, max_length=REVIEW_TEXT_MAX)
    our_people: list[Id] | None = Field(None, max_length=100)
    other_participants: str | None = Field(None, max_length=PARTICIPANTS_MAX)
    worked: str | None = Field(None, max_length=REVIEW_TEXT_MAX)
    failed: str | None = Field(None, max_length=REVIEW_TEXT_MAX)
    competitor_did: str | None = Field(None, max_length=REVIEW_TEXT_MAX)
    lessons: str | None = Field(None, max_length=REVIEW_TEXT_MAX)
    causes: list[Id] | None = Field(None, max_length=200)


class CauseRef(Schema):
    id: int
    bone: str
    text: str


class ReviewOut(Schema):
    id: int
    meeting_date: dt.date
    our_people: list[Ref]
    other_participants: str
    decided_by: str
    worked: str
    failed: str
    competitor_did: str
    lessons: str
    causes: list[CauseRef]
    created_by: Ref | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to edit.")

    @staticmethod
    def from_review(r: WinLossReview) -> dict[str, Any]:
        return {
            "id": r.pk,
            "meeting_date": r.meeting_date,
            "our_people": [user_ref(p) for p in r.our_people.all()],
            "other_participants": r.other_participants,
            "decided_by": r.decided_by,
            "worked": r.worked,
            "failed": r.failed,
            "competitor_did": r.competitor_did,
            "lessons": r.lessons,
            "causes": [{"id": c.pk, "bone": c.bone, "text": c.text} for c in r.causes.all()],
            "created_by": user_ref(r.created_by),
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "version": r.version,
        }


class ReviewChangeOut(Schema):
    action: str = Field(..., description="created or edited.")
    changed_by: Ref | None
    changed_at: dt.datetime
    changes: dict[str, Any] = Field(
        ..., description="The record when written; {field: [before, after]} on an edit."
    )

    @staticmethod
    def from_change(c: WinLossReviewChange) -> dict[str, Any]:
        return {
            "action": c.action,
            "changed_by": user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "changes": c.changes,
        }


class ClosedDealOut(Schema):
    id: int
    project_number: str
    name: str
    status: str = Field(..., description="open, won, lost or dropped.")
    close_reason: str
    close_reason_choice: str | None = Field(None, description="Code of the reason from the list.")
    lost_to: Ref | None
    closed_at: dt.datetime | None

    @staticmethod
    def from_opportunity(o: Opportunity) -> dict[str, Any]:
        return {
            "id": o.pk,
            "project_number": o.project_number,
            "name": o.name,
            "status": o.status,
            "close_reason": o.close_reason,
            "close_reason_choice": o.close_reason_choice.code if o.close_reason_choice else None,
            "lost_to": ref(o.lost_to),
            "closed_at": o.closed_at,
        }


class ReviewPageOut(Schema):
    opportunity: ClosedDealOut
    review: ReviewOut | None = Field(None, description="Null until the review is written.")
    history: list[ReviewChangeOut] = Field(..., description="Newest first.")


# --- across deals -----------------------------------------------------------------------------


class WinLossFiltersIn(TextSafeSchema):
    start: str | None = Field(
        None, max_length=10, description="First day closed (YYYY-MM-DD); default 1 January."
    )
    end: str | None = Field(None, max_length=10, description="Last day closed; default today.")
    process: str | None = Field(
        None, max_length=SEARCH_MAX, description="Sales process code; default the default."
    )
    team: str | None = Field(None, max_length=20, description="Team id (its subtree).")
    owner: str | None = Field(None, max_length=20, description="Rep (user id).")
    outcome: str | None = Field(None, max_length=10, description="won, lost or dropped.")
    competitor: str | None = Field(
        None, max_length=20, description="Competitor id: lost to it or on the deal."
    )
    reason: str | None = Field(None, max_length=20, description="Close reason id, or `none`.")
    lost_to: str | None = Field(None, max_length=20, description="Competitor id the deal was lost to.")
    reached: str | None = Field(None, max_length=3, description="Furthest stage order reached.")
    owner_team: str | None = Field(None, max_length=20, description="The owner's own team id, or `none`.")


class DealsFiltersIn(WinLossFiltersIn):
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


class RowOut(Schema):
    key: str
    label: str
    won: int
    lost: int
    dropped: int
    count: int
    won_amount: Decimal
    lost_amount: Decimal
    dropped_amount: Decimal
    win_rate: Decimal | None = Field(None, description="won ÷ (won + lost); null when neither.")
    deals: dict[str, str] = Field(
        ..., description="Query parameters of `GET /planning/winloss/deals` for these deals."
    )

    @staticmethod
    def from_row(row: Row, base: dict[str, str]) -> dict[str, Any]:
        return {
            "key": row.key,
            "label": row.label,
            "won": row.won,
            "lost": row.lost,
            "dropped": row.dropped,
            "count": row.count,
            "won_amount": row.won_amount,
            "lost_amount": row.lost_amount,
            "dropped_amount": row.dropped_amount,
            "win_rate": row.win_rate,
            "deals": {**base, **{k: str(v) for k, v in row.drill.items()}},
        }


class WinLossOut(Schema):
    start: dt.date
    end: dt.date
    process: str | None
    total: RowOut
    reasons: list[RowOut]
    competitors: list[RowOut]
    stages: list[RowOut]
    reps: list[RowOut]
    teams: list[RowOut]

    @staticmethod
    def from_result(result: WinLoss) -> dict[str, Any]:
        base = result.filters.without_drills()
        return {
            "start": result.filters.start,
            "end": result.filters.end,
            "process": result.filters.process.code if result.filters.process else None,
            "total": RowOut.from_row(result.total, base),
            **{
                name: [RowOut.from_row(row, base) for row in getattr(result, name)]
                for name in ("reasons", "competitors", "stages", "reps", "teams")
            },
        }


class DealRowOut(Schema):
    id: int
    project_number: str
    name: str
    customer: str
    owner: str
    team: str
    status: str
    closed_at: dt.datetime | None
    reason: str = Field(..., description="The listed reason's name.")
    reason_words: str
    lost_to: str
    stage_reached: int = Field(..., description="Furthest stage order reached.")
    amount: Decimal | None
    reviewed: bool


class DealsOut(Schema):
    items: list[DealRowOut]
    count: int
