"""Excel in and out: the filtered activity list as a workbook, the import template, the import."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from kam.activities.exchange import export, reader
from kam.activities.forms import ActivityFilterForm, ImportForm
from kam.core.web import current_user


@login_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = ActivityFilterForm(request.GET or None, by=user).filters()
    content, filename = export.activities_xlsx(user, filters)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(reader.template_xlsx(current_user(request)), content_type=export.XLSX)
    response["Content-Disposition"] = 'attachment; filename="activities-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        result = reader.import_activities(form.cleaned_data["file"].read(), by=current_user(request))
        status = 200 if result.ok else 400
    elif request.method == "POST":
        status = 400
    context = {"nav": "activities", "form": form, "result": result}
    return render(request, "activities/import.html", context, status=status)
