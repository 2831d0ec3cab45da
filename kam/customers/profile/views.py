"""The 360° customer page: the frame, and its sections, each loaded on its own (htmx) so the page
is fast whatever the customer's size. Thin: parse, call a selector, render.

A section answers an htmx request with its fragment (`<template>#section`) and a plain request
with a page of its own, so the frame's fallback links work without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kam.access.visibility import get_visible_customer
from kam.core.web import current_user, echarts_locale
from kam.customers import selectors
from kam.customers.models import Customer, CustomerChange
from kam.customers.profile import hierarchy
from kam.customers.profile.forecast import customer_forecast
from kam.customers.profile.overview import customer_overview
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import WEIGHTED_AMOUNT
from kam.org.models import User
from kam.relationships import selectors as relationship_selectors
from kam.relationships.coverage import selectors as coverage
from kam.relationships.orgchart import selectors as orgchart

OPPORTUNITIES_PER_PAGE = 20
HISTORY_PER_PAGE = 20
CLOSED_STATUSES = [OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED]
# Sort keys of the opportunities section → columns, a stable tie-breaker last.
OPPORTUNITY_SORTS: dict[str, tuple[str, ...]] = {
    "sign_date": ("sign_date", "id"),
    "amount": ("expected_amount", "id"),
    "stage": ("stage__order", "id"),
}
DEFAULT_OPPORTUNITY_SORT = {"open": "sign_date", "closed": "-sign_date"}


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _section(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("nav", "customers")
    context["standalone"] = not _is_htmx(request)
    return render(request, template if context["standalone"] else f"{template}#section", context)


def _org_context(request: HttpRequest, user: User, customer: Customer) -> dict[str, Any]:
    """The org chart editor's part of the customer page: the outline (server-rendered) and where the
    chart's JSON comes from; `?department=` focuses both on one department."""
    tree = orgchart.org_tree(user, customer, department=request.GET.get("department"))
    query = "?" + urlencode({"department": tree.department}) if tree.department else ""
    chart_url = reverse("api:customer_org_chart", args=[customer.pk]) + query
    return {
        "customer": customer,
        "org": tree,
        "outline": tree.outline(),
        "chart_url": chart_url,
        "outline_url": reverse("customers:org_outline", args=[customer.pk]) + query,
        # Where the edit, add and delete pages send the user back to: this page, same focus.
        "back_url": reverse("customers:detail", args=[customer.pk]) + query + "#contacts",
    }


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The frame: the header and the org chart editor; every other section loads on its own."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    context = {
        "nav": "customers",
        "legend": relationship_selectors.legend(),
        "echarts_locale": echarts_locale(),
        "overview": customer_overview(user, customer),
        **_org_context(request, user, customer),
    }
    return render(request, "customers/detail.html", context)


@login_required
def org_outline(request: HttpRequest, pk: int) -> HttpResponse:
    """The outline alone, for the editor to refresh after a move or a delete."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    return render(request, "customers/detail.html#outline", _org_context(request, user, customer))


@login_required
def facts(request: HttpRequest, pk: int) -> HttpResponse:
    """The header's key facts alone (tier, segment, score, owner, status), for the frame to refresh
    after the score section changed the score, the tier or the override."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    return render(request, "customers/detail.html#facts", {"customer": customer})


# --- sections -------------------------------------------------------------------------------------


@login_required
def profile_section(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile fields, the parent chain, the visible subsidiaries and the group roll-ups."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    context = {
        "customer": customer,
        "chain": hierarchy.parent_chain(user, customer),
        "group": hierarchy.group_rollup(user, customer),
    }
    return _section(request, "customers/sections/profile.html", context)


@login_required
def orgchart_section(request: HttpRequest, pk: int) -> HttpResponse:
    """How well our people cover the customer's org chart: the counts and the findings."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    net = coverage.coverage_net(user, customer)
    context = {
        "customer": customer,
        "net": net,
        "covered": net.key_contacts - len(net.uncovered),
        "engaged": sum(1 for person in net.people if person.relationships),
    }
    return _section(request, "customers/sections/orgchart.html", context)


def _opportunity_rows(user: User, customer: Customer, state: str, sort: str) -> QuerySet[Opportunity]:
    qs = selectors.customer_opportunities(user, customer)
    if state == "open":
        qs = qs.filter(status=OpportunityStatus.OPEN).annotate(weighted_amount=WEIGHTED_AMOUNT)
    else:
        qs = qs.filter(status__in=CLOSED_STATUSES)
    descending = sort.startswith("-")
    ordering = []
    for name in OPPORTUNITY_SORTS[sort.lstrip("-")]:
        ordering.append(F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True))
    return qs.order_by(*ordering)


@login_required
def opportunities_section(request: HttpRequest, pk: int) -> HttpResponse:
    """Open or closed opportunities (`?state=`), sorted (`?sort=`) and 20 to a page (`?page=`)."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    state = request.GET.get("state")
    if state not in ("open", "closed"):
        state = "open"
    sort = request.GET.get("sort") or ""
    if sort.lstrip("-") not in OPPORTUNITY_SORTS:
        sort = DEFAULT_OPPORTUNITY_SORT[state]
    counts = (
        selectors.customer_opportunities(user, customer)
        .order_by()
        .aggregate(
            open=Count("id", filter=Q(status=OpportunityStatus.OPEN)),
            closed=Count("id", filter=Q(status__in=CLOSED_STATUSES)),
        )
    )
    paginator = Paginator(_opportunity_rows(user, customer, state, sort), OPPORTUNITIES_PER_PAGE)
    # The tab count is the paginator's count: no second COUNT query.
    paginator.count = counts[state]  # type: ignore[misc]
    page = paginator.get_page(request.GET.get("page"))
    url = reverse("customers:opportunities_section", args=[customer.pk])

    def link(**params: Any) -> str:
        merged = {"state": state, "sort": sort, **params}
        return url + "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    sort_links = {}
    for key in OPPORTUNITY_SORTS:
        target = f"-{key}" if sort == key else key
        arrow = "▲" if sort == key else ("▼" if sort == f"-{key}" else "")
        sort_links[key] = {"url": link(sort=target), "arrow": arrow}
    context = {
        "customer": customer,
        "state": state,
        "sort": sort,
        "counts": counts,
        "page": page,
        "sort_links": sort_links,
        "open_url": url + "?state=open",
        "closed_url": url + "?state=closed",
        "previous_url": link(page=page.previous_page_number()) if page.has_previous() else None,
        "next_url": link(page=page.next_page_number()) if page.has_next() else None,
    }
    return _section(request, "customers/sections/opportunities.html", context)


@login_required
def forecast_section(request: HttpRequest, pk: int) -> HttpResponse:
    """This quarter and the next three, and the year so far: table here, chart from the API."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    context = {
        "customer": customer,
        "forecast": customer_forecast(user, customer),
        "chart_url": reverse("api:customer_forecast", args=[customer.pk]),
        "echarts_locale": echarts_locale(),
        "chart_labels": {
            "won": _("Won"),
            "commit": _("Commit"),
            "best_case": _("Best case"),
            "pipeline": pgettext("forecast category", "Pipeline"),
            "weighted": _("Weighted"),
            "open_amount": _("Unweighted"),
            "failed": _("The chart could not be loaded; the table has the same figures."),
        },
    }
    return _section(request, "customers/sections/forecast.html", context)


def _offset(request: HttpRequest) -> int:
    try:
        return max(0, min(int(request.GET.get("offset") or 0), 10**9))
    except ValueError:
        return 0


@login_required
def history_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's changes, newest first, 20 at a time; "load more" appends the next ones."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    offset = _offset(request)
    # One row more than shown tells whether there is a next page, without a COUNT.
    lines = list(
        CustomerChange.objects.filter(customer=customer)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[offset : offset + HISTORY_PER_PAGE + 1]
    )
    has_more = len(lines) > HISTORY_PER_PAGE
    next_offset = offset + HISTORY_PER_PAGE
    context = {
        "customer": customer,
        "lines": lines[:HISTORY_PER_PAGE],
        "offset": offset,
        "more_url": (
            reverse("customers:history_section", args=[customer.pk]) + f"?offset={next_offset}"
            if has_more
            else None
        ),
    }
    if offset and _is_htmx(request):
        return render(request, "customers/sections/history.html#lines", context)
    return _section(request, "customers/sections/history.html", context)
