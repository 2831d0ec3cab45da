"""API shapes of plans, their goals, planned activities and comments, and plan against actual."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from kam.activities.plans.services import COMMENT_MAX, GOAL_MAX, NOTES_MAX
from kam.core.api.helpers import Id, IdOrCode, InputSchema, Offset, Ref, TextSafeSchema

Period = Literal["week", "month"]
Category = Literal["done", "moved", "dropped", "open", "unplanned"]
CATEGORY_DOC = (
    "Against the plan: done (as planned, in the period), moved (outside the period, or not at the "
    "start first planned), dropped (cancelled, or still planned after the period), open (still "
    "planned while the period runs), unplanned (done in the period, in no plan)."
)


class PlanFiguresOut(Schema):
    planned: int = Field(..., description="Activities of the plan: done + moved + dropped + open.")
    done: int
    moved: int
    dropped: int
    open: int
    unplanned: int = Field(..., description="Done activities in the period that belong to no plan.")
    goals: int
    goals_achieved: int


class PlanRowOut(Schema):
    id: int
    owner: Ref
    period: Period
    starts_on: dt.date
    ends_on: dt.date = Field(..., description="The period's last day.")
    activities: int
    goals: int
    goals_achieved: int
    comments: int


class PlanListOut(Schema):
    items: list[PlanRowOut]
    count: int


class GoalOut(Schema):
    id: int
    text: str
    customer: Ref | None = None
    contact: Ref | None = None
    achieved: bool


class PlanActivityOut(Schema):
    id: int
    kind: str
    customer: Ref
    start: dt.datetime
    planned_start: dt.datetime | None = Field(None, description="The start it was first planned for.")
    duration_minutes: int
    status: str
    summary: str
    category: Category = Field(..., description=CATEGORY_DOC)


class CommentOut(Schema):
    id: int
    author: Ref
    text: str
    created_at: dt.datetime


class PlanOut(Schema):
    id: int
    owner: Ref
    period: Period
    starts_on: dt.date
    ends_on: dt.date
    ended: bool = Field(..., description="The period is over: the categories are final.")
    notes: str
    version: int = Field(
        ..., description="Optimistic-lock version; send it back in If-Match to change the notes."
    )
    may_edit: bool
    may_comment: bool
    goals: list[GoalOut]
    activities: list[PlanActivityOut]
    unplanned: list[PlanActivityOut]
    comments: list[CommentOut]
    figures: PlanFiguresOut


class PlanListQuery(TextSafeSchema):
    owner: Id | None = Field(None, description="Whose plans (default: everyone's you see).")
    period: Period | None = None
    starts_on: dt.date | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


class PlanCreateIn(InputSchema):
    period: Period
    starts_on: dt.date = Field(..., description="A Monday for a week, the first of the month for a month.")
    notes: str = Field("", max_length=NOTES_MAX)


class PlanUpdateIn(InputSchema):
    notes: str = Field(..., max_length=NOTES_MAX)


class GoalIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=GOAL_MAX)
    customer: Id | None = None
    contact: Id | None = None


class GoalUpdateIn(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=GOAL_MAX)
    achieved: bool | None = None


class PlannedActivityIn(InputSchema):
    kind: IdOrCode = Field(..., description="The activity kind's id or code, e.g. `visit`.")
    customer: Id
    start: dt.datetime = Field(..., description="Within the plan's period; with a time zone offset.")
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    summary: str = Field(..., min_length=1, max_length=200)
    opportunity: Id | None = None
    contacts: list[Id] = Field(default_factory=list, max_length=50)


class CommentIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=COMMENT_MAX)


class ActualQuery(TextSafeSchema):
    period: Period = "week"
    starts_on: dt.date | None = Field(None, description="Any day of the period (default: today).")
    team: Id | None = Field(None, description="A team you see (its subtree).")


class RepActualOut(Schema):
    person: Ref
    team: Ref | None = None
    plan: int | None = Field(None, description="The person's plan of the period, if any.")
    figures: PlanFiguresOut


class TeamActualOut(Schema):
    team: Ref | None = None
    people: int
    plans: int
    figures: PlanFiguresOut


class PlanVsActualOut(Schema):
    period: Period
    starts_on: dt.date
    ends_on: dt.date
    ended: bool
    reps: list[RepActualOut]
    teams: list[TeamActualOut]
    total: PlanFiguresOut
