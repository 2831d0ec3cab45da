"""The approach paths of a deal: a panel the decision chain page loads through htmx, and the same
facts as a page of its own (without JavaScript, or linked to directly)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kam.core.web import current_user
from kam.insights.learning.paths import selectors
from kam.opportunities.chain.selectors import chain_opportunity


@login_required
@require_GET
def opportunity_paths(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = chain_opportunity(user, pk)
    back = reverse("chain:decision_chain", args=[opportunity.pk])
    context = {
        "nav": "pipeline",
        "opportunity": opportunity,
        "paths": selectors.paths_dict(selectors.approach_paths(user, opportunity), back),
    }
    if getattr(request, "htmx", False):
        return render(request, "learning/paths/_panel.html", context)
    return render(request, "learning/paths/page.html", context)
