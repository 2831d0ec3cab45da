"""The top-bar search (搜索): customers, contacts and opportunities the user may see, found by name
typed or by its pinyin, full or initials (中国移动 by "zhongguoyidong" or "zgyd"; kam.core.pinyin),
grouped by kind. Each group is one query on the indexed search key, narrowed by kam.access.visibility."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kam.access.visibility import contacts_for, customers_for, opportunities_for
from kam.core import pinyin
from kam.core.web import current_user
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.relationships.models import Contact

GROUP_LIMIT = 10
QUERY_MAX = 100


@dataclass
class Hit:
    label: str
    detail: str
    url: str


@dataclass
class Group:
    kind: str
    title: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


def search(user: User, q: str, *, limit: int = GROUP_LIMIT) -> list[Group]:
    """Up to `limit` visible matches per kind (three queries; none for an empty query)."""
    text = (q or "").strip()[:QUERY_MAX]
    groups = [
        Group("customers", str(_("Customers"))),
        Group("contacts", str(_("Contacts"))),
        Group("opportunities", str(_("Opportunities"))),
    ]
    if not pinyin.query_key(text):
        return groups
    customers = list(
        customers_for(user, Customer.objects.all())
        .filter(pinyin.text_matches(text, "search_key", "name", "short_name"))
        .order_by("name", "id")
        .values("id", "name", "short_name", "region")[: limit + 1]
    )
    contacts = list(
        contacts_for(user, Contact.objects.all())
        .filter(pinyin.text_matches(text, "search_key", "name"))
        .order_by("name", "id")
        .values("id", "name", "title", "customer__name")[: limit + 1]
    )
    opportunities = list(
        opportunities_for(user, Opportunity.objects.all())
        .filter(pinyin.text_matches(text, "search_key", "name"))
        .order_by("name", "id")
        .values("id", "name", "project_number", "customer__name")[: limit + 1]
    )
    for group, rows in zip(groups, (customers, contacts, opportunities), strict=True):
        group.more = len(rows) > limit
        for row in rows[:limit]:
            group.hits.append(_hit(group.kind, row))
    return groups


def _hit(kind: str, row: dict) -> Hit:
    if kind == "customers":
        short = row["short_name"] if row["short_name"] != row["name"] else ""
        return Hit(row["name"], short, reverse("customers:detail", args=[row["id"]]))
    if kind == "contacts":
        detail = " · ".join(p for p in (row["title"], row["customer__name"]) if p)
        return Hit(row["name"], detail, reverse("relationships:detail", args=[row["id"]]))
    detail = " · ".join(p for p in (row["project_number"], row["customer__name"]) if p)
    return Hit(row["name"], detail, reverse("opportunities:detail", args=[row["id"]]))


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """The results page; asked by htmx (the top bar's box as one types), the results alone."""
    q = request.GET.get("q", "")
    groups = search(current_user(request), q)
    context = {"q": q.strip()[:QUERY_MAX], "groups": groups, "found": any(g.hits for g in groups)}
    template = "access/search_results.html" if request.headers.get("HX-Request") else "access/search.html"
    return render(request, template, context)
