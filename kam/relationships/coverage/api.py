"""Coverage net and relationship history over JSON: the data the pages' charts draw, for integrations too.

Same visibility as the pages: a customer or contact the caller may not see is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kam.access.visibility import get_visible_contact, get_visible_customer
from kam.core.api.helpers import READ_ERRORS, Id, Offset, Ref, TextSafeSchema, user_ref
from kam.customers.models import Customer
from kam.org.models import User
from kam.relationships.coverage import selectors as coverage

router = Router(tags=["coverage"])


def _customer(user: User, pk: int) -> Customer:
    return get_visible_customer(user, pk)


# --- schemas ----------------------------------------------------------------------------------------


class PersonOut(Schema):
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
        ..., description="single_threaded, no_relationships, uncovered or top_rank_below_target."
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
    people: list[PersonOut] = Field(..., description="Rows: the owner first, then by relationships held.")
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


class HistoryFilters(TextSafeSchema):
    contact: Id | None = Field(None, description="Only this contact's changes.")
    person: Id | None = Field(None, description="Only changes of this person of ours.")
    limit: int = Field(coverage.HISTORY_PAGE_SIZE, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class ChangeOut(Schema):
    id: int
    contact: Ref
    person: Ref = Field(..., description="Our person whose relationship changed.")
    from_level: int | None = Field(None, description="None: the first level recorded.")
    to_level: int
    changed_by: Ref | None
    changed_at: dt.datetime
    note: str


class HistoryOut(Schema):
    items: list[ChangeOut] = Field(..., description="Newest first.")
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
    months: int = Field(coverage.DEFAULT_MONTHS, ge=1, le=coverage.MAX_MONTHS, description="Months back.")
    all: bool = Field(False, description="Count every contact, not only the key ones.")


# --- endpoints --------------------------------------------------------------------------------------


@router.get(
    "/customers/{int:customer_id}/coverage-net",
    url_name="coverage_net",
    response={200: CoverageNetOut, **READ_ERRORS},
    summary="Coverage net (渔网图): our people × the customer's key contacts, with findings",
)
def coverage_net(request: HttpRequest, customer_id: int, filters: Query[NetFilters]) -> dict[str, Any]:
    """Each cell is the CR level one of our people holds with one contact, with the date it last changed.

    Key contacts: rank high or mid-high, influence ≥ 4, or a decision role in an open opportunity
    (`all=true` shows every contact). Highlights: a single-threaded account, key contacts nobody
    covers, rank-high contacts below CR3.
    """
    user: User = request.user  # type: ignore[assignment]
    customer = _customer(user, customer_id)
    return coverage.coverage_net_json(coverage.coverage_net(user, customer, show_all=filters.all))


@router.get(
    "/customers/{int:customer_id}/relationship-history",
    url_name="relationship_history",
    response={200: HistoryOut, **READ_ERRORS},
    summary="Every relationship level change on the customer's contacts",
)
def relationship_history(
    request: HttpRequest, customer_id: int, filters: Query[HistoryFilters]
) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    customer = _customer(user, customer_id)
    qs = coverage.history_changes(customer, contact_id=filters.contact, user_id=filters.person)
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    items = [
        {
            "id": change.pk,
            "contact": {"id": change.contact_id, "name": change.contact.name},
            "person": user_ref(change.user),
            "from_level": change.from_level,
            "to_level": change.to_level,
            "changed_by": user_ref(change.changed_by),
            "changed_at": change.changed_at,
            "note": change.note,
        }
        for change in page
    ]
    return {"items": items, "count": count}


@router.get(
    "/customers/{int:customer_id}/coverage-history",
    url_name="coverage_history",
    response={200: CoverageHistoryOut, **READ_ERRORS},
    summary="The team's coverage of the customer per month, replayed from the change history",
)
def coverage_history(
    request: HttpRequest, customer_id: int, filters: Query[CoverageHistoryFilters]
) -> dict[str, Any]:
    """At the end of each month (the current month: now), how many of today's key contacts we knew at
    CR3 or above and at CR1 or above, and how many of our people held a relationship."""
    user: User = request.user  # type: ignore[assignment]
    customer = _customer(user, customer_id)
    counted = coverage.counted_contacts(user, customer, show_all=filters.all)
    rows = coverage.coverage_over_time(customer, counted, months=filters.months)
    total = len(counted) if counted is not None else coverage.contact_count(customer)
    return coverage.coverage_over_time_json(rows, show_all=filters.all, key_count=total)


@router.get(
    "/contacts/{int:contact_id}/level-history",
    url_name="level_history",
    response={200: LevelHistoryOut, **READ_ERRORS},
    summary="A contact's relationship level over time, per person of ours and for the company",
)
def level_history(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    contact = get_visible_contact(user, contact_id)
    return coverage.level_history_json(coverage.level_history(contact))
