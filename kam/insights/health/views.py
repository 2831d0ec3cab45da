"""The Health page: every flagged open opportunity the user may see, by rule and by owner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kam.core.ids import parse_page
from kam.core.web import current_user
from kam.insights.health.report import HealthFilters, health_report
from kam.insights.models import HealthRule, Severity
from kam.org.models import Team
from kam.org.visibility import managed_team_ids, visible_users

PAGE_SIZE = 50


class _CountOnly:
    """Lets the paginator clamp the page number from a count the report already has."""

    def __init__(self, count: int) -> None:
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> list:
        return []


@login_required
def health_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = HealthFilters.from_mapping(request.GET)
    number = parse_page(request.GET.get("page"))
    report = health_report(user, filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    paginator: Paginator = Paginator(_CountOnly(report["count"]), PAGE_SIZE)  # type: ignore[arg-type]
    if report["count"] and number > paginator.num_pages:
        number = paginator.num_pages
        report = health_report(user, filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    page = paginator.get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    teams = Team.objects.order_by("name")
    if not user.sees_everything:
        teams = teams.filter(pk__in=managed_team_ids(user) or [user.team_id or 0])
    context = {
        "nav": "health",
        "report": report,
        "filters": filters,
        "page": page,
        "page_query": query.urlencode(),
        "rule_choices": HealthRule.objects.filter(active=True).order_by("order", "code"),
        "severity_choices": Severity.choices,
        "owner_choices": visible_users(user).order_by("username"),
        "team_choices": teams,
    }
    return render(request, "insights/health.html", context)
