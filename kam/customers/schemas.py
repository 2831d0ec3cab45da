"""API shapes for customers. Money is Decimal, written as a string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator

from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.core.limits import NOTE_MAX
from kam.core.money import MAX_MONEY, MONEY_DIGITS
from kam.customers.models import Customer
from kam.customers.pool.schemas import DuplicateMatchOut
from kam.customers.selectors import SORTS

TierChoice = Literal["A", "B", "C", "D"]
SegmentChoice = Literal["key", "important", "general"]
StatusChoice = Literal["prospect", "active", "dormant", "lost"]


class CustomerOut(Schema):
    id: int
    name: str
    short_name: str
    parent: Ref | None = Field(None, description="The group this customer belongs to.")
    owner: Ref
    industry: str = Field(..., description="The industry as stored: the Chinese name of its choice row.")
    industry_label: str = Field(..., description="The industry in the language asked for (Accept-Language).")
    region: str = Field(..., description="The region as stored: the Chinese name of its choice row.")
    region_label: str = Field(..., description="The region in the language asked for.")
    status: str = Field(..., description="prospect, active, dormant or lost.")
    tier: str = Field(..., description="A, B, C or D: the manager's override if any, else the computed tier.")
    segment: str = Field(..., description="key, important or general (from the tier).")
    score: Decimal | None = Field(None, description="Total of the scoring model, 0–100; null until scored.")
    computed_tier: str = Field(..., description="The tier the score gives, whatever the override.")
    tier_override: str = Field(..., description="The tier a manager set, or empty.")
    category_purchases: Decimal | None = Field(
        None, description="The customer's annual purchases of our category from everyone, in yuan."
    )
    annual_revenue: Decimal | None = Field(None, description="In yuan (a decimal string).")
    employees: int | None
    notes: str
    credit_code: str = Field(..., description="Unified social credit code, or empty.")
    in_pool: bool = Field(..., description="In the public pool: no one holds it; `owner` is its last owner.")
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def from_customer(c: Customer) -> dict[str, Any]:
        return {
            "id": c.pk,
            "name": c.name,
            "short_name": c.short_name,
            "parent": ref(c.parent),
            "owner": user_ref(c.owner),
            "industry": c.industry,
            "industry_label": c.industry_label,
            "region": c.region,
            "region_label": c.region_label,
            "status": c.status,
            "tier": c.tier,
            "segment": c.segment,
            "score": c.score,
            "computed_tier": c.computed_tier,
            "tier_override": c.tier_override,
            "category_purchases": c.category_purchases,
            "annual_revenue": c.annual_revenue,
            "employees": c.employees,
            "notes": c.notes,
            "credit_code": c.credit_code,
            "in_pool": c.in_pool,
            "version": c.version,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
        }


class TagRef(Schema):
    id: int
    name: str
    kind: str
    color: str


def tag_ref(tag: Any) -> dict[str, Any]:
    return {"id": tag.pk, "name": tag.name, "kind": tag.kind, "color": tag.color}


class CustomerRowOut(CustomerOut):
    tags: list[TagRef] = Field(
        ..., description="Static tags by name, then the dynamic tags the customer matches now."
    )

    @staticmethod
    def from_row(c: Customer, tags: list[Any]) -> dict[str, Any]:
        return {**CustomerOut.from_customer(c), "tags": [tag_ref(t) for t in tags]}


class CustomerListOut(Schema):
    items: list[CustomerRowOut]
    count: int = Field(..., description="Total matching rows; page with limit and offset.")


SORT_KEYS = tuple(SORTS)


class CustomerExportFilters(TextSafeSchema):
    """The customer list's filters and sort, without paging (the export takes every matching row)."""

    q: str | None = Field(None, max_length=100, description="Text in the name or short name.")
    tier: TierChoice | None = None
    segment: SegmentChoice | None = None
    status: StatusChoice | None = None
    tag: Id | None = Field(None, description="Tag id: the tag's members, static or dynamic.")
    owner: Id | None = Field(None, description="Owner's user id.")
    team: Id | None = Field(None, description="Team id: customers owned by that team or any team below it.")
    industry: str | None = Field(None, max_length=100, description="Exact industry.")
    region: str | None = Field(None, max_length=100, description="Exact region.")
    parent: Id | None = Field(None, description="Customer id of a group: the group and all its subsidiaries.")
    score_min: Decimal | None = Field(None, ge=0, le=100, description="Lowest score, inclusive (0–100).")
    score_max: Decimal | None = Field(None, ge=0, le=100, description="Highest score, inclusive (0–100).")
    open_pipeline_min: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_MONEY,
        description="Least open pipeline of the customer (all open opportunities), in yuan.",
    )
    sort: str = Field(
        "name",
        max_length=40,
        description="One of "
        + ", ".join(SORT_KEYS)
        + "; a leading '-' sorts descending. Unscored customers come last.",
    )

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value.removeprefix("-") not in SORT_KEYS:
            raise ValueError(_("Unknown sort; use one of: %(keys)s.") % {"keys": ", ".join(SORT_KEYS)})
        return value

    @field_validator("score_max")
    @classmethod
    def _score_range(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        low = info.data.get("score_min")
        if value is not None and low is not None and low > value:
            raise ValueError(_("The minimum score is above the maximum."))
        return value


class CustomerFilters(CustomerExportFilters):
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class CustomerCreateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    short_name: str = Field("", max_length=60)
    parent: Id | None = Field(None, description="Id of the group customer (one you can see).")
    owner: Id | None = Field(None, description="User id of the owner; default yourself.")
    industry: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    status: StatusChoice = "prospect"
    annual_revenue: Decimal | None = Field(
        None, ge=0, max_digits=MONEY_DIGITS, decimal_places=2, description="In yuan."
    )
    employees: int | None = Field(None, ge=0, le=2_147_483_647)
    notes: str = Field("", max_length=NOTE_MAX)
    category_purchases: Decimal | None = Field(
        None,
        ge=0,
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        description="Annual purchases of our category, in yuan.",
    )
    credit_code: str = Field(
        "", max_length=40, description="Unified social credit code (18 characters, checked)."
    )
    confirm_duplicates: bool = Field(
        False,
        description="Create it even though customers with the same normalised name or its pinyin exist "
        "(a 409 lists them first). The same credit code is always refused.",
    )


class CustomerDuplicatesOut(Schema):
    """A create stopped by the duplicate check (kam.customers.pool.duplicates)."""

    detail: str
    blocking: bool = Field(
        ...,
        description="A customer with the same credit code exists: refused even with confirm_duplicates. "
        "Otherwise send the request again with confirm_duplicates to create it anyway.",
    )
    matches: list[DuplicateMatchOut]


class CustomerUpdateIn(InputSchema):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=200)
    short_name: str | None = Field(None, max_length=60)
    parent: Id | None = Field(None, description="Id of the group customer; null detaches it.")
    owner: Id | None = Field(None, description="User id of the new owner.")
    industry: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    status: StatusChoice | None = None
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=MONEY_DIGITS, decimal_places=2)
    employees: int | None = Field(None, ge=0, le=2_147_483_647)
    notes: str | None = Field(None, max_length=NOTE_MAX)
    category_purchases: Decimal | None = Field(None, ge=0, max_digits=MONEY_DIGITS, decimal_places=2)
    credit_code: str | None = Field(None, max_length=40, description="Empty removes it.")


class CustomerChoiceOut(Schema):
    name: str = Field(..., description="What a customer's field holds (send this, or the English name).")
    name_en: str
    label: str = Field(..., description="The name in the language asked for.")


class CustomerChoicesOut(Schema):
    """The industries and regions a customer is described by, named in both languages."""

    industries: list[CustomerChoiceOut]
    regions: list[CustomerChoiceOut]
