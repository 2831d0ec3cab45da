"""The workbench pages: the home page with its tiles and to-dos, and the lists behind the tiles no
other page lists (next steps due, deals moved or slipped this week, quiet key accounts)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kam.core.web import current_user
from kam.workbench import selectors


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    bench = selectors.workbench(user)
    return render(request, "workbench/home.html", {"nav": "workbench", "bench": bench})


@login_required
@require_GET
def next_steps(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    view = selectors.view_of(user)
    qs = selectors.next_steps_due(user, view, today).select_related("customer", "opportunity", "owner")
    rows = list(qs[: selectors.LIST_ROWS + 1])
    context = {
        "nav": "workbench",
        "rows": rows[: selectors.LIST_ROWS],
        "more": len(rows) > selectors.LIST_ROWS,
        "today": today,
        "view": view,
        "overdue_days": selectors.NEXT_STEP_OVERDUE_DAYS,
    }
    return render(request, "workbench/next_steps.html", context)


@login_required
@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    since = selectors.week_start(today)
    qs = (
        selectors.moved_or_slipped(user, since)
        .select_related("customer", "owner", "stage")
        .order_by("-updated_at", "-id")
    )
    rows = list(qs[: selectors.LIST_ROWS + 1])
    context = {
        "nav": "workbench",
        "rows": rows[: selectors.LIST_ROWS],
        "more": len(rows) > selectors.LIST_ROWS,
        "since": since,
    }
    return render(request, "workbench/changes.html", context)


@login_required
@require_GET
def quiet_accounts(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    view = selectors.view_of(user)
    qs = selectors.quiet_key_accounts(user, view, timezone.now()).select_related("owner")
    rows = list(qs[: selectors.LIST_ROWS + 1])
    context = {
        "nav": "workbench",
        "rows": rows[: selectors.LIST_ROWS],
        "more": len(rows) > selectors.LIST_ROWS,
        "days": selectors.QUIET_DAYS,
    }
    return render(request, "workbench/quiet_accounts.html", context)
