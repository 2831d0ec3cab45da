"""API shapes for contacts and relationship levels (CR1–CR5)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.core.limits import NOTE_MAX, SEARCH_MAX, SHORT_TEXT_MAX
from kam.relationships.models import Contact, Relationship, RelationshipChange

RankChoice = Literal["high", "mid_high", "mid", "low"]


class ContactOut(Schema):
    id: int
    customer: Ref
    name: str
    title: str
    department: str
    reports_to: Ref | None = Field(None, description="The contact's manager in the customer's org chart.")
    rank: str = Field(..., description="high, mid_high, mid or low.")
    influence: int = Field(..., description="1 (little) to 5 (decisive).")
    mobile: str
    phone: str = Field(..., description="Landline.")
    email: str
    wechat: str
    notes: str
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")
    created_at: dt.datetime

    @staticmethod
    def from_contact(c: Contact) -> dict[str, Any]:
        return {
            "id": c.pk,
            "customer": ref(c.customer),
            "name": c.name,
            "title": c.title,
            "department": c.department,
            "reports_to": ref(c.reports_to),
            "rank": c.rank,
            "influence": c.influence,
            "mobile": c.mobile,
            "phone": c.phone,
            "email": c.email,
            "wechat": c.wechat,
            "notes": c.notes,
            "version": c.version,
            "created_at": c.created_at,
        }


class ContactListOut(Schema):
    items: list[ContactOut]
    count: int = Field(..., description="Total matching rows; page with limit and offset.")


class ContactFilters(TextSafeSchema):
    customer: Id | None = Field(None, description="Only this customer's contacts.")
    q: str | None = Field(None, max_length=SEARCH_MAX, description="Text in the name, title or department.")
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class ContactCreateIn(InputSchema):
    customer: Id = Field(..., description="Id of a customer you can see.")
    name: str = Field(..., min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    department: str = Field("", max_length=100)
    reports_to: Id | None = Field(None, description="Contact id of the manager (same customer).")
    rank: RankChoice = "mid"
    influence: int = Field(3, ge=1, le=5)
    mobile: str = Field("", max_length=20, description="Mainland China mobile number, e.g. 13812345678.")
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=60)
    notes: str = Field("", max_length=NOTE_MAX)


class ContactUpdateIn(InputSchema):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=100)
    reports_to: Id | None = Field(None, description="Contact id of the manager; null clears it.")
    rank: RankChoice | None = None
    influence: int | None = Field(None, ge=1, le=5)
    mobile: str | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=60)
    notes: str | None = Field(None, max_length=NOTE_MAX)


class RelationshipIn(InputSchema):
    user: Id | None = Field(None, description="Which of our people knows the contact; default yourself.")
    level: int = Field(..., ge=1, le=5, description="1–5 for CR1–CR5.")
    note: str = Field(
        "", max_length=SHORT_TEXT_MAX, description="Why the level changed (kept in the history)."
    )


class RelationshipOut(Schema):
    user: Ref
    level: int = Field(..., description="1–5 for CR1–CR5.")
    updated_at: dt.datetime

    @staticmethod
    def from_relationship(r: Relationship) -> dict[str, Any]:
        return {"user": user_ref(r.user), "level": r.level, "updated_at": r.updated_at}


class RelationshipChangeOut(Schema):
    user: Ref
    from_level: int | None = Field(None, description="Null when the relationship was first recorded.")
    to_level: int
    changed_by: Ref | None
    changed_at: dt.datetime
    note: str

    @staticmethod
    def from_change(c: RelationshipChange) -> dict[str, Any]:
        return {
            "user": user_ref(c.user),
            "from_level": c.from_level,
            "to_level": c.to_level,
            "changed_by": user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "note": c.note,
        }


class RelationshipsOut(Schema):
    contact: Ref
    company_level: int | None = Field(None, description="The highest level any of our people holds.")
    levels: list[RelationshipOut] = Field(
        ..., description="Each of our people's current level, highest first."
    )
    history: list[RelationshipChangeOut] = Field(..., description="Every change, newest first.")
