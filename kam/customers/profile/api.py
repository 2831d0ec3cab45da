"""The 360° customer page's figures over JSON: group roll-ups, the customer's forecast and its
history. The same selectors as the page's sections; 404 for a customer the caller cannot see.
Money is a decimal string."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kam.access.visibility import get_visible_customer
from kam.core.api.helpers import LIST_ERRORS, READ_ERRORS, ref, user_ref
from kam.core.web import current_user
from kam.customers.models import CustomerChange
from kam.customers.profile import hierarchy
from kam.customers.profile.forecast import customer_forecast
from kam.customers.profile.schemas import (
    CustomerForecastOut,
    CustomerHistoryOut,
    CustomerHistoryQuery,
    GroupRollupOut,
)
from kam.insights.forecast.selectors import Figures
from kam.org.models import User

router = Router(tags=["customers"])


# --- group roll-up --------------------------------------------------------------------------------


def group_rollup_payload(user: User, customer: Any) -> dict[str, Any]:
    group = hierarchy.group_rollup(user, customer)
    return {
        "customer": ref(customer),
        "since": group.since,
        "parents": [
            {"id": link.id, "name": link.name, "visible": link.visible}
            for link in hierarchy.parent_chain(user, customer)
        ],
        "nodes": [
            {
                "id": node.id,
                "name": node.name,
                "parent_id": node.display_parent_id,
                "depth": node.display_depth,
                "own": node.own.as_dict(),
                "subtree": node.subtree.as_dict(),
            }
            for node in group.rows
        ],
        "hidden": {"count": group.hidden_count, "figures": group.hidden.as_dict()},
        "total": group.total.as_dict(),
        "truncated": group.truncated,
    }


@router.get(
    "/customers/{int:customer_id}/group-rollup",
    response={200: GroupRollupOut, **READ_ERRORS},
    summary="A customer's group: parents, subsidiaries and roll-ups of pipeline and revenue",
)
def customer_group_rollup(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Open opportunities, open and weighted pipeline and the won amount of the last 12 months,
    per company and for the customer with all its subsidiaries (any depth), counting only the
    opportunities you may see."""
    user = current_user(request)
    return group_rollup_payload(user, get_visible_customer(user, customer_id))


# --- forecast -------------------------------------------------------------------------------------


def _figures(figures: Figures) -> dict[str, Any]:
    return figures.as_dict()


def forecast_payload(user: User, customer: Any) -> dict[str, Any]:
    result = customer_forecast(user, customer)
    return {
        "customer": ref(customer),
        "quarters": [
            {"period": q.label, "start": q.start, "end": q.end, "figures": _figures(q.figures)}
            for q in result.quarters
        ],
        "totals": _figures(result.totals),
        "year": {"year": result.year, "figures": _figures(result.year_figures)},
    }


@router.get(
    "/customers/{int:customer_id}/forecast",
    response={200: CustomerForecastOut, **READ_ERRORS},
    summary="A customer's forecast: this quarter and the next three, and the year so far",
    url_name="customer_forecast",
)
def customer_forecast_api(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Periods by expected sign date, open and won opportunities alike, as on the forecast page;
    only the opportunities you may see."""
    user = current_user(request)
    return forecast_payload(user, get_visible_customer(user, customer_id))


# --- history --------------------------------------------------------------------------------------


@router.get(
    "/customers/{int:customer_id}/history",
    response={200: CustomerHistoryOut, **LIST_ERRORS},
    summary="A customer's history of changes, newest first",
    url_name="customer_change_history",
)
def customer_change_history(
    request: HttpRequest, customer_id: int, query: Query[CustomerHistoryQuery]
) -> dict[str, Any]:
    """Edits, score-driven tier changes and tier overrides, each with who and when."""
    user = current_user(request)
    customer = get_visible_customer(user, customer_id)
    qs = CustomerChange.objects.filter(customer=customer).order_by("-changed_at", "-id")
    count = qs.count()
    lines = list(qs.select_related("changed_by")[query.offset : query.offset + query.limit]) if count else []
    return {
        "items": [
            {
                "id": line.pk,
                "changed_at": line.changed_at,
                "changed_by": user_ref(line.changed_by),
                "summary": line.text,
            }
            for line in lines
        ],
        "count": count,
    }
