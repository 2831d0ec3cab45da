"""API shapes of a deal's fishbone."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.planning.fishbone.models import ACTION_MAX, TEXT_MAX, FishboneCause, FishboneChange

BoneChoice = Literal["relationship", "competitor", "solution", "commercial", "service", "resources"]
StatusChoice = Literal["open", "in_progress", "done"]


class CauseOut(Schema):
    id: int
    opportunity: int
    bone: str = Field(
        ..., description="relationship, competitor, solution, commercial, service or resources."
    )
    bone_label: str
    text: str
    owner: Ref | None
    action: str
    due_date: dt.date | None
    status: str = Field(..., description="open, in_progress or done.")
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def from_cause(c: FishboneCause) -> dict[str, Any]:
        return {
            "id": c.pk,
            "opportunity": c.opportunity_id,
            "bone": c.bone,
            "bone_label": c.get_bone_display(),
            "text": c.text,
            "owner": user_ref(c.owner),
            "action": c.action,
            "due_date": c.due_date,
            "status": c.status,
            "version": c.version,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
        }


class FishboneChangeOut(Schema):
    action: str = Field(..., description="created, edited or deleted.")
    cause: int | None
    cause_label: str
    changed_by: Ref | None
    changed_at: dt.datetime
    changes: dict[str, Any]

    @staticmethod
    def from_change(c: FishboneChange) -> dict[str, Any]:
        return {
            "action": c.action,
            "cause": c.cause_id,
            "cause_label": c.cause_label,
            "changed_by": user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "changes": c.changes,
        }


class CountsOut(Schema):
    total: int
    open: int
    in_progress: int
    done: int


class FishboneOut(Schema):
    opportunity: Ref
    counts: CountsOut
    causes: list[CauseOut]
    history: list[FishboneChangeOut]


class CauseIn(InputSchema):
    bone: BoneChoice
    text: str = Field(..., min_length=1, max_length=TEXT_MAX)
    owner: Id | None = None
    action: str = Field("", max_length=ACTION_MAX)
    due_date: dt.date | None = None
    status: StatusChoice = "open"


class CauseUpdateIn(InputSchema):
    bone: BoneChoice | None = None
    text: str | None = Field(None, min_length=1, max_length=TEXT_MAX)
    owner: Id | None = None
    action: str | None = Field(None, max_length=ACTION_MAX)
    due_date: dt.date | None = None
    status: StatusChoice | None = None
