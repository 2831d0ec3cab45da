"""Customer analysis pages: the form (each save a new revision), the revision history, and the
section of the 360° page. Thin: parse, call kam.customers.analysis.services, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kam.access.visibility import get_visible_customer
from kam.core.forms import apply_validation_error
from kam.core.ids import parse_page
from kam.core.web import current_user
from kam.customers.analysis import selectors as analysis_selectors
from kam.customers.analysis import services as analysis
from kam.customers.analysis.forms import AnalysisForm
from kam.customers.models import Customer

HISTORY_PAGE_SIZE = 20


def _conflict_rows(form: AnalysisForm, latest: Any) -> list[dict[str, str]]:
    """Fields where the other person's revision and the user's input differ: theirs next to yours."""
    rows = []
    for name in analysis_selectors.FIELDS:
        yours = analysis.normalise(name, form.cleaned_data.get(name))
        theirs = getattr(latest, name) if latest else ""
        if yours != theirs:
            yours_shown = yours
            if name in analysis_selectors.CHOICE_FIELDS and yours:
                yours_shown = str(dict(form.fields[name].choices).get(yours, yours))  # type: ignore[attr-defined]
            rows.append(
                {
                    "label": analysis_selectors.field_label(name),
                    "theirs": analysis_selectors.display_value(latest, name),
                    "yours": yours_shown,
                }
            )
    return rows


def _render_form(
    request: HttpRequest,
    customer: Customer,
    form: AnalysisForm,
    latest: Any,
    *,
    status: int = 200,
    conflict: Any = None,
    conflict_rows: list[dict[str, str]] | None = None,
) -> HttpResponse:
    context = {
        "nav": "customers",
        "customer": customer,
        "form": form,
        "latest": latest,
        "conflict": conflict,
        "conflict_rows": conflict_rows or [],
    }
    return render(request, "customers/analysis/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def analysis_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    if request.method != "POST":
        latest = analysis_selectors.latest_analysis(customer)
        return _render_form(request, customer, AnalysisForm.for_revision(latest), latest)
    form = AnalysisForm(request.POST)
    if form.is_valid():
        try:
            result = analysis.save_analysis(
                customer, by=user, base_revision=form.cleaned_data["base_revision"], **form.analysis_fields()
            )
        except analysis.AnalysisConflict as error:
            # Keep the user's input; base it on the other revision so that saving again is a
            # decision taken after seeing theirs, not a silent overwrite.
            rows = _conflict_rows(form, error.latest)
            data = request.POST.copy()
            data["base_revision"] = str(error.current_version or 0)
            form = AnalysisForm(data)
            form.is_valid()
            return _render_form(
                request, customer, form, error.latest, status=409, conflict=error, conflict_rows=rows
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if result.created:
                messages.success(
                    request,
                    _("Customer analysis saved as revision %(revision)s.") % {"revision": result.revision},
                )
            else:
                messages.info(request, _("Nothing changed: no new revision was saved."))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#analysis-slot")
    return _render_form(request, customer, form, analysis_selectors.latest_analysis(customer), status=400)


@login_required
def analysis_history(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_visible_customer(current_user(request), pk)
    total = analysis_selectors.revision_count(customer)
    pages = max(1, -(-total // HISTORY_PAGE_SIZE))
    page = min(parse_page(request.GET.get("page")), pages)
    entries = analysis_selectors.revision_history(
        customer, limit=HISTORY_PAGE_SIZE, offset=(page - 1) * HISTORY_PAGE_SIZE
    )
    context = {
        "nav": "customers",
        "customer": customer,
        "entries": entries,
        "total": total,
        "page": page,
        "pages": pages,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < pages else None,
    }
    return render(request, "customers/analysis/history.html", context)


@login_required
def analysis_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The 360° page's analysis section: a fragment for htmx, a page of its own otherwise."""
    customer = get_visible_customer(current_user(request), pk)
    latest = analysis_selectors.latest_analysis(customer)
    context = {
        "nav": "customers",
        "customer": customer,
        "latest": latest,
        "parts": analysis_selectors.summary(latest) if latest else [],
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "customers/sections/analysis.html", context)
    return render(request, "customers/analysis/section_page.html", context)
