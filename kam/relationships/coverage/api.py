"""Coverage net and relationship history over JSON: the data the pages' charts draw, for integrations too.

Same visibility as the pages: a customer or contact the caller may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kam.access.visibility import get_visible_contact, get_visible_customer
from kam.core.api.helpers import READ_ERRORS, user_ref
from kam.core.web import current_user
from kam.customers.models import Customer
from kam.org.models import User
from kam.relationships.coverage import history as history_selectors
from kam.relationships.coverage import selectors as coverage
from kam.relationships.coverage.schemas import (
    CoverageHistoryFilters,
    CoverageHistoryOut,
    CoverageNetOut,
    LevelHistoryOut,
    NetFilters,
    RelationshipHistoryFilters,
    RelationshipHistoryOut,
)

router = Router(tags=["coverage"])


def _customer(user: User, pk: int) -> Customer:
    return get_visible_customer(user, pk)


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
    user = current_user(request)
    customer = _customer(user, customer_id)
    return coverage.coverage_net_json(coverage.coverage_net(user, customer, show_all=filters.all))


@router.get(
    "/customers/{int:customer_id}/relationship-history",
    url_name="relationship_history",
    response={200: RelationshipHistoryOut, **READ_ERRORS},
    summary="Every relationship level change on the customer's contacts",
)
def relationship_history(
    request: HttpRequest, customer_id: int, filters: Query[RelationshipHistoryFilters]
) -> dict[str, Any]:
    user = current_user(request)
    customer = _customer(user, customer_id)
    qs = history_selectors.history_changes(customer, contact_id=filters.contact, user_id=filters.person)
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    items = [
        {
            "id": change.pk,
            "contact": {"id": change.contact_id, "name": change.contact_name},  # type: ignore[attr-defined]
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
    user = current_user(request)
    customer = _customer(user, customer_id)
    counted = coverage.counted_contacts(user, customer, show_all=filters.all)
    rows = history_selectors.coverage_over_time(customer, counted, months=filters.months)
    total = len(counted) if counted is not None else coverage.contact_count(customer)
    return history_selectors.coverage_over_time_json(rows, show_all=filters.all, key_count=total)


@router.get(
    "/contacts/{int:contact_id}/level-history",
    url_name="level_history",
    response={200: LevelHistoryOut, **READ_ERRORS},
    summary="A contact's relationship level over time, per person of ours and for the company",
)
def level_history(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    user = current_user(request)
    contact = get_visible_contact(user, contact_id)
    return history_selectors.level_history_json(history_selectors.level_history(contact))
