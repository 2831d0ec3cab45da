"""API shapes for activities."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Schema

from kam.activities.models import Activity, ActivityChange
from kam.core.api.helpers import Id, IdOrCode, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.core.limits import NOTE_MAX

StatusChoice = Literal["planned", "done", "cancelled"]
SortChoice = Literal[
    "start", "-start", "customer", "-customer", "kind", "-kind", "owner", "-owner", "status", "-status"
]


class ActivityKindOut(Schema):
    id: int
    code: str
    name: str
    time_category: str
    counts_as_visit: bool


class ActivityOut(Schema):
    id: int
    kind: ActivityKindOut
    status: str = Field(..., description="planned, done or cancelled.")
    start: dt.datetime
    duration_minutes: int
    owner: Ref
    customer: Ref
    opportunity: Ref | None
    contacts: list[Ref]
    our_people: list[Ref]
    summary: str
    outcome: str
    next_step: str
    next_step_due: dt.date | None
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def from_activity(a: Activity) -> dict[str, Any]:
        return {
            "id": a.pk,
            "kind": {
                "id": a.kind.pk,
                "code": a.kind.code,
                "name": str(a.kind),
                "time_category": a.kind.time_category,
                "counts_as_visit": a.kind.counts_as_visit,
            },
            "status": a.status,
            "start": timezone.localtime(a.start),
            "duration_minutes": a.duration_minutes,
            "owner": user_ref(a.owner),
            "customer": ref(a.customer),
            "opportunity": ref(a.opportunity),
            "contacts": [ref(c) for c in a.contacts.all()],
            "our_people": [user_ref(p) for p in a.our_people.all()],
            "summary": a.summary,
            "outcome": a.outcome,
            "next_step": a.next_step,
            "next_step_due": a.next_step_due,
            "version": a.version,
            "created_at": a.created_at,
            "updated_at": a.updated_at,
        }


class ActivityChangeOut(Schema):
    action: str = Field(..., description="created, edited or deleted.")
    changed_by: Ref | None
    changed_at: dt.datetime
    changes: dict[str, Any] = Field(..., description="Edits: {field: [before, after]}; else the record.")

    @staticmethod
    def from_change(c: ActivityChange) -> dict[str, Any]:
        return {
            "action": c.action,
            "changed_by": user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "changes": c.changes,
        }


class ActivityDetailOut(ActivityOut):
    history: list[ActivityChangeOut] = Field(..., description="Newest first.")


class ActivityListOut(Schema):
    items: list[ActivityOut]
    count: int = Field(..., description="Total matching rows; page with limit and offset.")


class ActivityFiltersIn(TextSafeSchema):
    owner: Id | None = Field(None, description="Only activities this user leads.")
    customer: Id | None = None
    kind: Id | None = None
    status: StatusChoice | None = None
    opportunity: Id | None = None
    contact: Id | None = Field(None, description="Only activities with this contact.")
    date_from: dt.date | None = Field(None, description="Starting on or after this day.")
    date_to: dt.date | None = Field(None, description="Starting on or before this day.")
    sort: SortChoice = "-start"
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class ActivityCreateIn(InputSchema):
    kind: IdOrCode = Field(..., description="Kind id or code (e.g. `visit`).")
    customer: Id = Field(..., description="Id of a customer you can see.")
    start: dt.datetime = Field(..., description="With a time zone offset; without one, the server's zone.")
    status: StatusChoice = "done"
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    opportunity: Id | None = None
    contacts: list[Id] = Field(default_factory=list, max_length=200)
    our_people: list[Id] = Field(default_factory=list, max_length=200)
    summary: str = Field(..., min_length=1, max_length=200)
    outcome: str = Field("", max_length=NOTE_MAX)
    next_step: str = Field("", max_length=200)
    next_step_due: dt.date | None = None
    level_changes: dict[int, int] = Field(
        default_factory=dict,
        description="{contact id: 1–5}: your new relationship level with contacts of the activity.",
    )


class ActivityUpdateIn(InputSchema):
    """Only the fields sent are changed; lists replace the whole list."""

    kind: IdOrCode | None = Field(None, description="Kind id or code.")
    customer: Id | None = None
    start: dt.datetime | None = None
    status: StatusChoice | None = None
    duration_minutes: int | None = Field(None, ge=1, le=24 * 60)
    opportunity: Id | None = Field(None, description="Null takes the activity off its opportunity.")
    contacts: list[Id] | None = Field(None, max_length=200)
    our_people: list[Id] | None = Field(None, max_length=200)
    summary: str | None = Field(None, min_length=1, max_length=200)
    outcome: str | None = Field(None, max_length=NOTE_MAX)
    next_step: str | None = Field(None, max_length=200)
    next_step_due: dt.date | None = None
    level_changes: dict[int, int] | None = Field(
        None,
        description="{contact id: 1–5}: your new relationship level with contacts of the activity.",
    )
