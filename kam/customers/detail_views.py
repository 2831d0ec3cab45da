"""The 360° customer page: the frame, and its sections, each loaded on its own (htmx) so the page
is fast whatever the customer's size. Thin: parse, call a selector, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from kam.org.models import User
from kam.relationships import orgchart
from kam.relationships import selectors as relationship_selectors

from . import selectors
from .models import Customer
from .views import current_user, echarts_locale


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
    user = current_user(request)
    customer = selectors.customer_detail(user, pk)
    context = {
        "nav": "customers",
        "parent_visible": selectors.parent_is_visible(user, customer),
        "children": list(selectors.visible_children(user, customer)),
        "legend": relationship_selectors.legend(),
        "echarts_locale": echarts_locale(),
        "opportunities": list(selectors.customer_opportunities(user, customer)),
        "history": selectors.customer_history(customer),
        **_org_context(request, user, customer),
    }
    return render(request, "customers/detail.html", context)


@login_required
def org_outline(request: HttpRequest, pk: int) -> HttpResponse:
    """The outline alone, for the editor to refresh after a move or a delete."""
    user = current_user(request)
    customer = selectors.customer_detail(user, pk)
    return render(request, "customers/detail.html#outline", _org_context(request, user, customer))
