"""Coverage net and relationship history pages of one customer: parse, call the selectors, render.

The charts on these pages fetch the same data from the API; the tables show it without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kam.access.visibility import get_visible_customer
from kam.core.ids import parse_id
from kam.core.web import current_user, echarts_locale
from kam.relationships.coverage import history as history_selectors
from kam.relationships.coverage import selectors as coverage
from kam.relationships.models import RelationshipPolicy


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").lower() in ("1", "true", "yes", "on")


def _int(request: HttpRequest, name: str) -> int | None:
    return parse_id(request.GET.get(name))


def chart_labels() -> dict[str, str]:
    """The words the charts draw, in the page's language."""
    level = RelationshipPolicy.current().top_rank_min_level
    return {
        "company": _("Company level (highest)"),
        "level": _("Relationship level"),
        "changed": _("Last change"),
        "none": _("none"),
        "atTarget": _("Known at CR%(level)s or above") % {"level": level},
        "covered": _("Known at CR1 or above"),
        "people": _("Our people engaged"),
        "contacts": _("Contacts"),
        "loadError": _("The chart could not be loaded; the table shows the same data."),
    }


@login_required
def coverage_net(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    show_all = _flag(request, "all")
    net = coverage.coverage_net(user, customer, show_all=show_all)
    context = {
        "nav": "customers",
        "customer": customer,
        "net": net,
        "show_all": show_all,
        "key_definition": coverage.key_definition(),
        "target_level": RelationshipPolicy.current().top_rank_min_level,
        "echarts_locale": echarts_locale(),
        "labels": chart_labels(),
    }
    return render(request, "coverage/net.html", context)


@login_required
def relationship_history(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    contacts = list(history_selectors.customer_contacts(customer))
    people = list(history_selectors.history_people(customer))
    contact = next((c for c in contacts if c.pk == _int(request, "contact")), None)
    person = next((p for p in people if p.pk == _int(request, "person")), None)
    months = max(
        1, min(_int(request, "months") or history_selectors.DEFAULT_MONTHS, history_selectors.MAX_MONTHS)
    )
    show_all = _flag(request, "all")

    changes = history_selectors.history_changes(
        customer,
        contact_id=contact.pk if contact else None,
        user_id=person.pk if person else None,
    )
    page = Paginator(changes, history_selectors.HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    counted = coverage.counted_contacts(user, customer, show_all=show_all)
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "nav": "customers",
        "customer": customer,
        "contacts": contacts,
        "people": people,
        "contact": contact,
        "person": person,
        "months": months,
        "show_all": show_all,
        "page": page,
        "filter_query": query.urlencode(),
        "coverage_rows": history_selectors.coverage_over_time(customer, counted, months=months),
        "counted": len(counted) if counted is not None else len(contacts),
        "key_definition": coverage.key_definition(),
        "target_level": RelationshipPolicy.current().top_rank_min_level,
        "level_history": history_selectors.level_history(contact) if contact else None,
        "echarts_locale": echarts_locale(),
        "labels": chart_labels(),
    }
    return render(request, "coverage/history.html", context)
