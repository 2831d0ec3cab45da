"""API shapes of the public pool (names unique across the API: one OpenAPI component per name)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.customers.models import Customer, PoolReturnRequest
from kam.customers.pool.duplicates import DuplicateMatch
from kam.customers.pool.selectors import AboutToReturn, Allowance


class PoolQuery(Schema):
    q: str = Field("", max_length=100, description="Part of the name or of its pinyin.")
    tier: Literal["", "A", "B", "C", "D"] = ""
    segment: Literal["", "key", "important", "general"] = ""
    region: str = Field("", max_length=100)
    industry: str = Field("", max_length=100)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class PoolCustomerOut(Schema):
    id: int
    name: str
    tier: str
    segment: str
    industry: str
    region: str
    previous_owner: Ref | None = Field(None, description="Who held it before it returned to the pool.")
    pooled_at: dt.datetime | None

    @staticmethod
    def from_customer(c: Customer) -> dict[str, Any]:
        return {
            "id": c.pk,
            "name": c.name,
            "tier": c.tier,
            "segment": c.segment,
            "industry": c.industry,
            "region": c.region,
            "previous_owner": user_ref(c.previous_owner or c.owner),
            "pooled_at": c.pooled_at,
        }


class PoolAllowanceOut(Schema):
    limit: int = Field(..., description="Most customers claimed from the pool one may own within the window.")
    window_days: int
    used: int = Field(..., description="Customers you own that you claimed within the window.")
    left: int

    @staticmethod
    def from_allowance(a: Allowance) -> dict[str, Any]:
        return {"limit": a.limit, "window_days": a.window_days, "used": a.used, "left": a.left}


class PoolListOut(Schema):
    items: list[PoolCustomerOut]
    count: int
    allowance: PoolAllowanceOut


class PoolAboutToReturnOut(Schema):
    customer: Ref
    tier: str
    due_on: dt.date = Field(..., description="The day it returns unless its owner logs an activity with it.")
    days_left: int
    awaiting_approval: bool = Field(..., description="Due, waiting for a manager (key customers).")

    @staticmethod
    def from_row(row: AboutToReturn) -> dict[str, Any]:
        return {
            "customer": {"id": row.customer.pk, "name": row.customer.name},
            "tier": row.customer.tier,
            "due_on": row.due_on,
            "days_left": row.days_left,
            "awaiting_approval": row.awaiting_approval,
        }


class PoolRequestOut(Schema):
    id: int
    customer: Ref
    owner: Ref
    idle_days: int
    status: str
    requested_at: dt.datetime
    note: str

    @staticmethod
    def from_request(r: PoolReturnRequest) -> dict[str, Any]:
        return {
            "id": r.pk,
            "customer": {"id": r.customer.pk, "name": r.customer.name},
            "owner": user_ref(r.owner),
            "idle_days": r.idle_days,
            "status": r.status,
            "requested_at": r.requested_at,
            "note": r.note,
        }


class DuplicateMatchOut(Schema):
    customer: Ref
    owner: Ref
    in_pool: bool
    reasons: list[Literal["name", "pinyin", "credit_code"]] = Field(
        ..., description="The keys it shares: normalised name, pinyin of the name, credit code."
    )
    visible: bool = Field(..., description="Whether you may open it (otherwise only name and owner show).")
    blocking: bool = Field(..., description="Same credit code: a second record is refused.")

    @staticmethod
    def from_match(m: DuplicateMatch) -> dict[str, Any]:
        return {
            "customer": {"id": m.customer.pk, "name": m.customer.name},
            "owner": user_ref(m.customer.owner),
            "in_pool": m.customer.in_pool,
            "reasons": m.reasons,
            "visible": m.visible,
            "blocking": m.blocking,
        }


class DuplicateQuery(Schema):
    name: str = Field("", max_length=200)
    credit_code: str = Field("", max_length=40)
    exclude: Id | None = Field(None, description="A customer id to leave out (the one being edited).")


class PoolClaimIn(InputSchema):
    confirm_duplicates: bool = Field(
        False,
        description="Claim even though customers with the same name or pinyin exist (a 422 lists them).",
    )


class PoolDecisionIn(InputSchema):
    note: str = Field("", max_length=500)
