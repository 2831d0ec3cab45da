"""The fishbone page of one opportunity: the diagram beside the causes' table, the add and edit
forms (htmx swaps the workspace; without JavaScript each form posts and the page reloads)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.access.visibility import get_visible_opportunity
from kam.core.errors import ConflictError
from kam.core.web import current_user
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.fishbone import diagram, selectors, services
from kam.planning.fishbone.forms import CauseForm, apply_validation_error
from kam.planning.fishbone.models import FishboneCause


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _goal(opportunity: Opportunity) -> str:
    return _("Win %(name)s") % {"name": opportunity.name}


def _context(
    opportunity: Opportunity,
    *,
    form: CauseForm | None = None,
    editing: FishboneCause | None = None,
    edit_form: CauseForm | None = None,
) -> dict[str, Any]:
    """Everything the workspace shows, from one read of the causes and one of the history."""
    rows = selectors.causes(opportunity)
    groups = selectors.by_bone(rows)
    return {
        "opportunity": opportunity,
        "causes": rows,
        "diagram": diagram.layout(groups, _goal(opportunity)),
        "counts": {
            "total": len(rows),
            "open": sum(1 for c in rows if c.status == "open"),
            "in_progress": sum(1 for c in rows if c.status == "in_progress"),
            "done": sum(1 for c in rows if c.status == "done"),
        },
        "history": selectors.history(opportunity),
        "form": form or CauseForm(),
        "editing": editing,
        "edit_form": edit_form,
    }


def _workspace(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The workspace alone for htmx (always 200: htmx swaps only successful responses), the
    whole page otherwise, with the honest status."""
    if _htmx(request):
        return render(request, "planning/fishbone/_workspace.html", context)
    return render(request, "planning/fishbone/page.html", context, status=status)


def _opportunity(user: User, pk: int) -> Opportunity:
    return get_visible_opportunity(user, pk, queryset=Opportunity.objects.select_related("stage", "customer"))


def _page_url(opportunity: Opportunity) -> str:
    return reverse("planning_fishbone:opportunity", kwargs={"pk": opportunity.pk})


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_fishbone(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the page. POST: add a cause."""
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    if request.method != "POST":
        return _workspace(request, _context(opportunity))
    form = CauseForm(request.POST)
    if form.is_valid():
        try:
            services.add_cause(opportunity, by=user, **form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not _htmx(request):
                messages.success(request, _("Cause added."))
                return redirect(_page_url(opportunity))
            return _workspace(request, _context(opportunity))
    return _workspace(request, _context(opportunity, form=form), status=400)


def _cause(opportunity: Opportunity, cause_id: int) -> FishboneCause:
    cause = FishboneCause.objects.filter(pk=cause_id, opportunity=opportunity).select_related("owner").first()
    if cause is None:
        raise Http404
    return cause


@login_required
@require_http_methods(["GET", "POST"])
def cause_edit(request: HttpRequest, pk: int, cause_id: int) -> HttpResponse:
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    cause = _cause(opportunity, cause_id)
    if request.method != "POST":
        initial = {name: getattr(cause, name) for name in services.FIELDS}
        initial["version"] = cause.version
        form = CauseForm(initial=initial, prefix="edit")
        return _workspace(request, _context(opportunity, editing=cause, edit_form=form))
    form = CauseForm(request.POST, prefix="edit")
    status = 400
    if form.is_valid():
        try:
            services.update_cause(cause, by=user, version=form.cleaned_data["version"], **form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        else:
            if not _htmx(request):
                messages.success(request, _("Cause saved."))
                return redirect(_page_url(opportunity))
            return _workspace(request, _context(opportunity))
    return _workspace(request, _context(opportunity, editing=cause, edit_form=form), status=status)


@login_required
@require_POST
def cause_delete(request: HttpRequest, pk: int, cause_id: int) -> HttpResponse:
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    cause = _cause(opportunity, cause_id)
    raw = request.POST.get("version", "")
    version = int(raw) if raw.isdecimal() else None
    try:
        services.delete_cause(cause, by=user, version=version)
    except ConflictError as error:
        context = _context(opportunity)
        context["error"] = str(error)
        return _workspace(request, context, status=409)
    if not _htmx(request):
        messages.success(request, _("Cause deleted."))
        return redirect(_page_url(opportunity))
    return _workspace(request, _context(opportunity))
