"""The 360° customer page's figures over JSON: group roll-ups, the customer's forecast and its
history. The same selectors as the page's sections; 404 for a customer the caller cannot see.
Money is a decimal string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kam.access.visibility import get_visible_customer
from kam.core.api.helpers import (
    DEFAULT_LIMIT,
    LIST_ERRORS,
    MAX_LIMIT,
    READ_ERRORS,
    Offset,
    Ref,
    ref,
    user_ref,
)
from kam.core.web import current_user
from kam.customers.models import CustomerChange
from kam.customers.profile import hierarchy
from kam.customers.profile.forecast import customer_forecast
from kam.insights.forecast.selectors import Figures
from kam.org.models import User

router = Router(tags=["customers"])

Money = Decimal


# --- group roll-up --------------------------------------------------------------------------------


class RollupOut(Schema):
    open_count: int = Field(..., description="Open opportunities.")
    open_amount: Money = Field(..., description="Σ expected amount of open opportunities.")
    weighted: Money = Field(..., description="Σ expected amount × stage probability of open opportunities.")
    won_12m: Money = Field(..., description="Σ expected amount won (closed) in the last 12 months.")
    won_count_12m: int


class ParentOut(Schema):
    id: int
    name: str
    visible: bool = Field(..., description="Whether you may open this customer.")


class GroupNodeOut(Schema):
    id: int
    name: str
    parent_id: int | None = Field(
        ..., description="The nearest ancestor listed here (subsidiaries you cannot see are skipped)."
    )
    depth: int = Field(..., description="Levels below the requested customer, as listed here.")
    own: RollupOut = Field(..., description="This company's own opportunities.")
    subtree: RollupOut = Field(..., description="This company and all its subsidiaries.")


class HiddenOut(Schema):
    count: int = Field(..., description="Subsidiaries in the group you may not open.")
    figures: RollupOut = Field(..., description="Their opportunities that you may see.")


class GroupRollupOut(Schema):
    customer: Ref
    since: dt.datetime = Field(..., description="Start of the 12-month window of won_12m.")
    parents: list[ParentOut] = Field(..., description="The parent chain, root group first.")
    nodes: list[GroupNodeOut] = Field(
        ..., description="The customer, then its visible subsidiaries (any depth), parents first."
    )
    hidden: HiddenOut
    total: RollupOut = Field(..., description="The whole subtree: only opportunities you may see.")
    truncated: bool = Field(..., description="The hierarchy was deeper than the walk goes.")


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


class CustomerFiguresOut(Schema):
    open_amount: Money = Field(..., description="Unweighted open pipeline.")
    weighted: Money
    commit: Money
    best_case: Money
    pipeline: Money
    omitted: Money
    won: Money
    open_count: int
    won_count: int


class QuarterOut(Schema):
    period: str = Field(..., description="e.g. 2027 Q3")
    start: dt.date
    end: dt.date
    figures: CustomerFiguresOut


class YearOut(Schema):
    year: int
    figures: CustomerFiguresOut = Field(
        ..., description="Every quarter of the calendar year; `won` is what was won so far this year."
    )


class CustomerForecastOut(Schema):
    customer: Ref
    quarters: list[QuarterOut] = Field(..., description="This quarter and the next three.")
    totals: CustomerFiguresOut = Field(..., description="The four quarters added up.")
    year: YearOut


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


class HistoryQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: Offset = 0


class ChangeOut(Schema):
    id: int
    changed_at: dt.datetime
    changed_by: Ref | None = Field(None, description="Null when the system wrote it (e.g. a rescore).")
    summary: str


class HistoryOut(Schema):
    items: list[ChangeOut]
    count: int


@router.get(
    "/customers/{int:customer_id}/history",
    response={200: HistoryOut, **LIST_ERRORS},
    summary="A customer's history of changes, newest first",
    url_name="customer_change_history",
)
def customer_change_history(
    request: HttpRequest, customer_id: int, query: Query[HistoryQuery]
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
