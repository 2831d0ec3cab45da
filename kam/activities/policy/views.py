"""Visit policy pages: demand against capacity per team and owner with the policy rows, people's
selling hours and the what-if editor (htmx: recomputed without saving); the under-visited list.
Thin: parse, call the policy services or selectors, render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_visit_policy
from kam.activities.policy import selectors
from kam.activities.policy import services as policy_services
from kam.activities.policy.forms import (
    CapacityForm,
    PolicyCreateForm,
    PolicyForm,
    ScopeForm,
    UnderVisitedForm,
    WhatIfForm,
)
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error, labelled_errors
from kam.core.web import current_user
from kam.org.models import User

NAV = "plans"
PAGE_SIZE = 50


def _page(
    request: HttpRequest, user: User, *, status: int = 200, forms: dict[str, Any] | None = None
) -> HttpResponse:
    forms = forms or {}
    teams = selectors.visible_teams(user)
    scope = ScopeForm(request.GET, teams=teams)
    team = scope.chosen_team()
    report = selectors.demand_against_capacity(user, team=team)
    editable = permissions.may_edit_visit_policy(user)
    rows = selectors.policy_rows()
    policy_forms = [
        (
            row,
            forms.get(f"policy_{row.pk}")
            or PolicyForm(
                initial={
                    "visits": row.visits,
                    "period_months": row.period_months,
                    "hours_per_visit": row.hours_per_visit,
                    "version": row.version,
                },
                prefix=f"p{row.pk}",
            ),
        )
        for row in rows
    ]
    return render(
        request,
        "activities/policy/page.html",
        {
            "nav": NAV,
            "scope": scope,
            "team": team,
            "report": report,
            "editable": editable,
            "policy_forms": policy_forms,
            "create_form": forms.get("create_form") or PolicyCreateForm(),
            "capacity_form": forms.get("capacity_form") or CapacityForm(by=user),
            "may_set_capacity": user.sees_everything or bool(teams.exists()),
            "what_if": WhatIfForm(policies=report.policies),
            "unused_segments": selectors.PolicyBook(report.policies).unused_segments(),
        },
        status=status,
    )


@login_required
def policy_page(request: HttpRequest) -> HttpResponse:
    return _page(request, current_user(request))


@login_required
@require_POST
def what_if(request: HttpRequest) -> HttpResponse:
    """The demand with the posted policy values, beside the demand with the stored ones: nothing is
    saved. An htmx request gets the result panel only."""
    user = current_user(request)
    teams = selectors.visible_teams(user)
    team = ScopeForm(request.POST, teams=teams).chosen_team()
    current = selectors.demand_against_capacity(user, team=team)
    form = WhatIfForm(request.POST, policies=current.policies)
    tried = (
        selectors.demand_against_capacity(user, team=team, policies=form.values())
        if form.is_valid()
        else None
    )
    context = {"what_if": form, "current": current, "tried": tried, "team": team}
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the field errors come back as the panel itself.
        return render(request, "activities/policy/_what_if.html", context)
    return render(
        request,
        "activities/policy/what_if.html",
        {"nav": NAV, **context},
        status=200 if tried else 400,
    )


@login_required
@require_POST
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    permissions.check_edit_visit_policy(user)
    policy = get_visible_visit_policy(user, pk)
    form = PolicyForm(request.POST, prefix=f"p{policy.pk}")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            policy_services.update_visit_policy(
                policy,
                by=user,
                version=data["version"],
                visits=data["visits"],
                period_months=data["period_months"],
                hours_per_visit=data["hours_per_visit"],
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Visit policy saved."))
            return redirect("policy:page")
    return _page(request, user, status=status, forms={f"policy_{policy.pk}": form})


@login_required
@require_POST
def policy_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.check_edit_visit_policy(user)
    form = PolicyCreateForm(request.POST)
    if form.is_valid():
        try:
            policy_services.create_visit_policy(by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Visit policy added."))
            return redirect("policy:page")
    return _page(request, user, status=400, forms={"create_form": form})


@login_required
@require_POST
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    permissions.check_edit_visit_policy(user)
    policy = get_visible_visit_policy(user, pk)
    version = request.POST.get("version", "")
    try:
        policy_services.delete_visit_policy(
            policy, by=user, version=int(version) if version.isdecimal() else None
        )
    except ConflictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Visit policy deleted."))
    return redirect("policy:page")


@login_required
@require_POST
def capacity_set(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = CapacityForm(request.POST, by=user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        permissions.check_set_selling_capacity(user, person)
        hours: Decimal = form.cleaned_data["hours_per_month"]
        try:
            policy_services.set_selling_capacity(person, by=user, hours_per_month=hours)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(person)s: %(hours)s selling hours a month.") % {"person": person, "hours": hours},
            )
            return redirect("policy:page")
    for line in labelled_errors(form):
        messages.error(request, line)
    return _page(request, user, status=400, forms={"capacity_form": form})


@login_required
def under_visited_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = UnderVisitedForm(request.GET, teams=selectors.visible_teams(user), by=user)
    filters = form.filters()
    rows = selectors.under_visited(user, today=timezone.localdate(), page_size=PAGE_SIZE, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/policy/under_visited.html",
        {"nav": NAV, "form": form, "page": page, "periods": filters["periods"], "query": query.urlencode()},
    )
