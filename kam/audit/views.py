"""The audit page: every change across kam, for administrators and directors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kam.access import permissions
from kam.audit import export, selectors
from kam.audit.forms import AuditFilterForm
from kam.core.web import current_user


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, selectors.AuditFilters]:
    form = AuditFilterForm(
        request.GET or None, actors=selectors.actors(), record_types=selectors.record_types()
    )
    filters = selectors.AuditFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.AuditFilters(
            actor=data["actor"],
            record_type=data["record_type"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            q=data["q"] or "",
        )
    return form, filters


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    permissions.check_view_audit(current_user(request))  # 403 for everyone else
    form, filters = _filters(request)
    page = Paginator(selectors.entries(filters), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "audit",
        "form": form,
        "page": page,
        "rows": selectors.rows(page),
        "filter_query": query.urlencode(),
    }
    return render(request, "audit/log.html", context)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    permissions.check_view_audit(current_user(request))
    _form, filters = _filters(request)
    content, filename = export.audit_xlsx(filters)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
