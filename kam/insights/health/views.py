"""The Health page: every flagged open opportunity the user may see, by rule and by owner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kam.core import sheets
from kam.core.ids import parse_page
from kam.core.web import current_user
from kam.insights.health import export
from kam.insights.health.report import HealthFilters, health_report
from kam.insights.health.store import latest_scan
from kam.insights.health.tasks import request_rescan
from kam.insights.models import Severity
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
        "rule_choices": report["rules"],
        "severity_choices": Severity.choices,
        "owner_choices": visible_users(user).order_by("username"),
        "team_choices": teams,
        "scan": latest_scan() if user.sees_everything else None,
        "can_rescan": user.sees_everything,
    }
    return render(request, "insights/health.html", context)


@login_required
def health_export(request: HttpRequest) -> HttpResponse:
    """Excel of the flagged opportunities the page's filters select, with the counts beside them."""
    content, filename = export.health_xlsx(current_user(request), HealthFilters.from_mapping(request.GET))
    response = HttpResponse(content, content_type=sheets.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def health_rescan(request: HttpRequest) -> HttpResponse:
    """Start a full rescan in the background (directors and administrators)."""
    user = current_user(request)
    if not user.sees_everything:
        raise PermissionDenied
    scan = request_rescan(by=user)
    if request.headers.get("HX-Request"):
        return render(request, "insights/_health_scan.html", {"scan": scan, "can_rescan": True})
    return redirect("health:page")


@login_required
def health_scan_status(request: HttpRequest) -> HttpResponse:
    """The rescan's progress, polled by the Health page while it runs."""
    user = current_user(request)
    if not user.sees_everything:
        raise PermissionDenied
    return render(request, "insights/_health_scan.html", {"scan": latest_scan(), "can_rescan": True})
