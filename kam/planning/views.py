"""The strategy panel of an opportunity's page (loaded through htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kam.access.visibility import get_visible_opportunity
from kam.core.web import current_user
from kam.planning import tools


@login_required
@require_GET
def opportunity_panel(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = get_visible_opportunity(user, pk)
    context = {"opportunity": opportunity, "tools": tools.for_opportunity(opportunity, user)}
    return render(request, "planning/_opportunity_panel.html", context)
