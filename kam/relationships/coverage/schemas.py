"""API shapes for the coverage net, the relationship history and coverage over time."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kam.core.api.helpers import Id, Offset, Ref, TextSafeSchema
from kam.relationships.coverage import history as history_selectors


class CoveragePersonOut(Schema):
    id: int
    name: str
    is_owner: bool = Field(..., description="The customer's owner (always a row, even with no relationship).")
    relationships: int = Field(..., description="How many of the customer's contacts this person knows.")


class NetContactOut(Schema):
    id: int
    name: str
    title: str
    department: str
    rank: str = Field(..., description="high, mid_high, mid or low.")
    rank_label: str
    influence: int
    roles: list[str] = Field(..., description="Decision roles held in open opportunities you can see.")
    key: bool
    key_reasons: list[str] = Field(..., description="Why the contact is key, in words (empty: not key).")
    company_level: int | None = Field(None, description="The highest level any of our people holds (1–5).")
    covered_by: int = Field(..., description="How many of our people hold a relationship with the contact.")


class CellOut(Schema):
    person: int = Field(..., description="Id of one of `people`.")
    contact: int = Field(..., description="Id of one of `contacts`.")
    level: int = Field(..., description="CR level 1–5.")
    changed_at: dt.datetime | None = Field(None, description="When this level was last changed.")


class NamedContact(Schema):
    id: int
    name: str


class BelowTargetOut(NamedContact):
    company_level: int | None


class HighlightOut(Schema):
    kind: str = Field(
        ...,
        description=(
            "single_threaded, no_relationships, uncovered, top_rank_below_target or one_side (our strong "
            "relationships on the technical or the business side of the decision chain only)."
        ),
    )
    message: str = Field(..., description="The finding in words, in the request's language.")
    people: list[Ref]
    contacts: list[NamedContact]


class CoverageNetOut(Schema):
    customer: Ref
    all: bool = Field(..., description="True: every contact is a column; false: key contacts only.")
    key_definition: str
    total_contacts: int
    key_contacts: int
    people: list[CoveragePersonOut] = Field(
        ..., description="Rows: the owner first, then by relationships held."
    )
    contacts: list[NetContactOut] = Field(..., description="Columns: by rank, influence, name.")
    cells: list[CellOut] = Field(..., description="Only the cells that hold a level.")
    single_threaded: Ref | None = Field(None, description="The one person holding every relationship, if so.")
    uncovered: list[NamedContact] = Field(..., description="Key contacts nobody on our side covers.")
    top_rank_below_target: list[BelowTargetOut] = Field(
        ..., description="Rank-high contacts whose company level is below `target_level` (or none)."
    )
    target_level: int
    highlights: list[HighlightOut]


class NetFilters(Schema):
    all: bool = Field(False, description="Show every contact as a column, not only the key ones.")


class RelationshipHistoryFilters(TextSafeSchema):
    contact: Id | None = Field(None, description="Only this contact's changes.")
    person: Id | None = Field(None, description="Only changes of this person of ours.")
    limit: int = Field(
        history_selectors.HISTORY_PAGE_SIZE, ge=1, le=200, description="Page size, at most 200."
    )
    offset: Offset = Field(0, description="Rows to skip.")


class RelationshipHistoryEntryOut(Schema):
    id: int
    contact: Ref
    person: Ref = Field(..., description="Our person whose relationship changed.")
    from_level: int | None = Field(None, description="None: the first level recorded.")
    to_level: int
    changed_by: Ref | None
    changed_at: dt.datetime
    note: str


class RelationshipHistoryOut(Schema):
    items: list[RelationshipHistoryEntryOut] = Field(..., description="Newest first.")
    count: int = Field(..., description="Total matching rows; page with limit and offset.")


class LevelPoint(Schema):
    at: dt.datetime
    level: int


class PersonSeries(Schema):
    person: Ref
    points: list[LevelPoint] = Field(..., description="A step series: each level holds until the next point.")


class LevelHistoryOut(Schema):
    contact: Ref
    now: dt.datetime = Field(..., description="The last point of each series holds until now.")
    people: list[PersonSeries]
    company: list[LevelPoint] = Field(..., description="The highest level held, at every change.")


class MonthOut(Schema):
    month: str = Field(..., description="YYYY-MM.")
    end: dt.datetime = Field(..., description="The state counted is the one at this instant.")
    at_target: int = Field(..., description="Counted contacts known at `target_level` (CR3) or above.")
    covered: int = Field(..., description="Counted contacts known at CR1 or above.")
    people: int = Field(..., description="Our people holding any relationship with the customer's contacts.")


class CoverageHistoryOut(Schema):
    all: bool = Field(..., description="True: every contact counts; false: today's key contacts.")
    contacts_counted: int
    target_level: int
    months: list[MonthOut] = Field(..., description="Oldest first; the last one is the current month so far.")


class CoverageHistoryFilters(Schema):
    months: int = Field(
        history_selectors.DEFAULT_MONTHS, ge=1, le=history_selectors.MAX_MONTHS, description="Months back."
    )
    all: bool = Field(False, description="Count every contact, not only the key ones.")
