"""The imports page: templates to download, the upload form and the result of an upload; a long
file's import runs in the background, on a page showing its progress and then its result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kam.access import permissions
from kam.access.visibility import get_visible_import_job
from kam.core.web import current_user
from kam.imports import jobs, services, workbooks
from kam.imports.columns import COLUMNS, column_label
from kam.imports.forms import ImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allowed(request: HttpRequest) -> None:
    if not permissions.may_import(current_user(request)):
        raise PermissionDenied


@login_required
def page(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    result = None
    file_error = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            options = {
                "kind": form.cleaned_data["kind"],
                "on_duplicate": form.cleaned_data["on_duplicate"],
                "valid_only": form.cleaned_data["mode"] == "valid",
                "dry_run": form.cleaned_data["dry_run"],
            }
            if jobs.in_background(content, upload.name):
                job = jobs.start(by=current_user(request), content=content, filename=upload.name, **options)
                return redirect("imports:job", job.pk)
            try:
                result = services.import_file(
                    by=current_user(request), content=content, filename=upload.name, **options
                )
            except ValidationError as exc:
                file_error = "; ".join(m for ms in exc.message_dict.values() for m in ms)
    else:
        form = ImportForm()
    kinds = [(kind, [column_label(c) for c in columns]) for kind, columns in COLUMNS.items()]
    failed = (result is not None and not result.ok and not result.written) or file_error
    return render(
        request,
        "imports/page.html",
        {"form": form, "result": result, "file_error": file_error, "kinds": kinds, "nav": "imports"},
        status=422 if failed else 200,
    )


@login_required
def template(request: HttpRequest, kind: str, extension: str) -> HttpResponse:
    _allowed(request)
    if kind not in COLUMNS or extension not in ("xlsx", "csv"):
        raise Http404
    user = current_user(request)
    if extension == "xlsx":
        response = HttpResponse(workbooks.template_xlsx(kind, user), content_type=XLSX)
    else:
        response = HttpResponse(workbooks.template_csv(kind, user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{extension}"'
    return response


def _job_context(request: HttpRequest, pk: int) -> dict[str, object]:
    job = get_visible_import_job(current_user(request), pk)
    return {"job": job, "result": jobs.result_of(job), "nav": "imports"}


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import: its progress while it runs (polled), then its result."""
    _allowed(request)
    return render(request, "imports/job.html", _job_context(request, pk))


@login_required
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the job's page that changes, for the page to poll."""
    _allowed(request)
    return render(request, "imports/_job.html", _job_context(request, pk))
