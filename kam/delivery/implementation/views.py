"""Implementation pages: the contract's project panel, the project page (hand-over checklist, the
plan as an editable table and as a Gantt, milestones, closing, history) and the projects list.
Every write posts through htmx (the workspace comes back) or as a plain form (back to the page); a
form read before someone else's change is refused with a 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access.visibility import customers_for, get_visible_contract
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error, labelled_errors
from kam.core.ids import parse_id
from kam.core.web import current_user, echarts_locale
from kam.delivery.implementation import selectors, services
from kam.delivery.implementation.forms import (
    AcceptForm,
    CheckForm,
    CloseForm,
    ManagerForm,
    OpenProjectForm,
    VersionForm,
    WorkItemForm,
    people,
)
from kam.delivery.models import Project, ProjectStatus, WorkItem

PAGE_SIZE = 50
TEMPLATE = "delivery/implementation/project.html"


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def sort_links(current: str, columns: Any, base: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per column: its aria-sort state and the address that sorts by it (again: the other way)."""
    links = {}
    for column in columns:
        if current == column:
            state, target = "ascending", "-" + column
        elif current == "-" + column:
            state, target = "descending", column
        else:
            state, target = "none", column
        links[column] = {"state": state, "url": "?" + urlencode({**base, "sort": target})}
    return links


def _project(request: HttpRequest, pk: int) -> Project:
    return selectors.get_visible_project(current_user(request), pk)


def _context(request: HttpRequest, project: Project, **state: Any) -> dict[str, Any]:
    today = timezone.localdate()
    items = selectors.work_items(project)
    editing = state.get("editing")
    rows = []
    for item in items:
        form = None
        if editing == item.pk:
            form = state.pop("edit_form", None) or WorkItemForm(
                instance=item, project=project, initial={"version": item.version}, auto_id="id_edit_%s"
            )
        rows.append({"item": item, "overdue": selectors.is_overdue(item, today), "form": form})
    checks = selectors.checklist(project)
    context = {
        "project": project,
        "contract": project.contract,
        "customer": project.contract.customer,
        "rows": rows,
        "checks": checks,
        "checks_done": sum(1 for c in checks if c.done),
        "gantt": selectors.gantt(items, today),
        "echarts_locale": echarts_locale(),
        "history": selectors.history(project),
        "is_open": project.status != ProjectStatus.ACCEPTED,
        "in_handover": project.status == ProjectStatus.HANDOVER,
        "add_form": state.pop("add_form", None) or WorkItemForm(project=project, auto_id="id_new_%s"),
        "close_form": state.pop("close_form", None)
        or CloseForm(initial={"version": project.version, "accepted_on": today}, auto_id="id_close_%s"),
        "manager_form": state.pop("manager_form", None)
        or ManagerForm(
            initial={"manager": project.manager_id, "version": project.version}, auto_id="id_mgr_%s"
        ),
        "today": today,
        "nav": "projects",
    }
    context.update(state)
    return context


def _show(request: HttpRequest, project: Project, *, status: int = 200, **state: Any) -> HttpResponse:
    context = _context(request, project, **state)
    if _is_htmx(request):
        # htmx swaps only successful answers: a refused form comes back as 200 with its messages.
        return render(request, TEMPLATE + "#workspace", context)
    return render(request, TEMPLATE, context, status=status)


def _write(
    request: HttpRequest,
    project: Project,
    form: Any,
    write: Callable[[], Any],
    notice: str,
    *,
    form_key: str = "",
    **state: Any,
) -> HttpResponse:
    """Run `write()` for a valid form: back to the page (or the workspace through htmx); errors
    come back on the form, a stale form as a 409."""
    status = 400
    if form.is_valid():
        try:
            write()
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except RuleViolation as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            project.refresh_from_db()
            if _is_htmx(request):
                return _show(request, project, notice=notice)
            messages.success(request, notice)
            return redirect(reverse("delivery_implementation:detail", kwargs={"pk": project.pk}))
    project.refresh_from_db()
    if form_key:
        state[form_key] = form
    else:
        state["error"] = " ".join(labelled_errors(form))
    return _show(request, project, status=status, **state)


# Panel and pages --------------------------------------------------------------------------------


@login_required
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract page's project section."""
    contract = get_visible_contract(current_user(request), pk)
    project = selectors.project_of_contract(contract.pk)
    if not _is_htmx(request):
        return redirect("delivery_implementation:contract_project", pk=contract.pk)
    context: dict[str, Any] = {"contract": contract, "project": project}
    if project is None:
        context["form"] = OpenProjectForm(initial={"manager": contract.owner_id})
        context["may_open"] = contract.status in services.SIGNED_STATUSES
    else:
        items = selectors.work_items(project)
        today = timezone.localdate()
        context.update(
            milestones=[i for i in items if i.is_milestone],
            overdue=sum(1 for i in items if selectors.is_overdue(i, today)),
            rows=len(items),
        )
    return render(request, "delivery/implementation/_panel.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contract_project(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract's project page; before it is opened, the form that opens it."""
    user = current_user(request)
    contract = get_visible_contract(user, pk)
    project = selectors.project_of_contract(contract.pk)
    if project is not None:
        return redirect("delivery_implementation:detail", pk=project.pk)
    status = 200
    if request.method == "POST":
        form = OpenProjectForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                project = services.open_project(contract, by=user, manager=form.cleaned_data["manager"])
            except RuleViolation as error:
                form.add_error(None, str(error))
                status = 409
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The project is open: work through the hand-over checklist."))
                if _is_htmx(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse(
                        "delivery_implementation:detail", kwargs={"pk": project.pk}
                    )
                    return response
                return redirect("delivery_implementation:detail", pk=project.pk)
    else:
        form = OpenProjectForm(initial={"manager": contract.owner_id})
    context = {
        "contract": contract,
        "form": form,
        "may_open": contract.status in services.SIGNED_STATUSES,
        "nav": "projects",
    }
    return render(request, "delivery/implementation/open.html", context, status=status)


@login_required
@require_GET
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _show(request, project, editing=parse_id(request.GET.get("edit")))


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = selectors.ProjectFilters(
        status=request.GET.get("status", "") if request.GET.get("status") in ProjectStatus.values else "",
        manager=parse_id(request.GET.get("manager")),
        customer=parse_id(request.GET.get("customer")),
        overdue=request.GET.get("overdue") == "1",
        sort=request.GET.get("sort") or selectors.DEFAULT_PROJECT_SORT,
    )
    qs = selectors.project_list(user, filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query: dict[str, Any] = {
        k: v
        for k, v in (
            ("status", filters.status),
            ("manager", filters.manager or ""),
            ("customer", filters.customer or ""),
            ("overdue", "1" if filters.overdue else ""),
        )
        if v
    }
    context = {
        "page": page,
        "projects": list(page.object_list),
        "filters": filters,
        "statuses": ProjectStatus.choices,
        "managers": people().filter(managed_projects__isnull=False).distinct(),
        "filter_customer": customers_for(user).filter(pk=filters.customer).first()
        if filters.customer
        else None,
        "has_filters": bool(query),
        "base_query": urlencode({**query, "sort": filters.sort}),
        "sort_links": sort_links(filters.sort, selectors.PROJECT_SORTS, query),
        "nav": "projects",
    }
    return render(request, "delivery/implementation/list.html", context)


# Writes -----------------------------------------------------------------------------------------


@login_required
@require_POST
def set_manager(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    form = ManagerForm(request.POST, auto_id="id_mgr_%s")

    def write() -> None:
        services.set_manager(
            project, by=user, version=form.cleaned_data["version"], manager=form.cleaned_data["manager"]
        )

    return _write(request, project, form, write, _("Project manager changed."), form_key="manager_form")


@login_required
@require_POST
def tick(request: HttpRequest, pk: int, check: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    found = selectors.get_visible_check(user, check)
    if found.project_id != project.pk:
        raise Http404
    form = CheckForm(request.POST)

    def write() -> None:
        if form.cleaned_data["version"] != project.version:
            raise ConflictError(current_version=project.version)
        services.check_handover(
            found, by=user, done=form.cleaned_data["done"], note=form.cleaned_data["note"]
        )

    return _write(request, project, form, write, _("Checklist saved."))


@login_required
@require_POST
def complete_handover(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    form = VersionForm(request.POST)

    def write() -> None:
        services.complete_handover(project, by=user, version=form.cleaned_data["version"])

    return _write(request, project, form, write, _("Hand-over complete: the project is in progress."))


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    form = CloseForm(request.POST, auto_id="id_close_%s")

    def write() -> None:
        services.close_project(
            project,
            by=user,
            version=form.cleaned_data["version"],
            accepted_on=form.cleaned_data["accepted_on"],
            notes=form.cleaned_data["notes"],
        )

    return _write(
        request, project, form, write, _("The project is accepted and closed."), form_key="close_form"
    )


def _row_values(form: WorkItemForm) -> dict[str, Any]:
    return {name: form.cleaned_data.get(name) for name in services.WORK_ITEM_FIELDS if name in form.fields}


@login_required
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    form = WorkItemForm(request.POST, project=project, auto_id="id_new_%s")

    def write() -> None:
        services.add_work_item(project, by=user, **_row_values(form))

    return _write(request, project, form, write, _("Work item added."), form_key="add_form")


def _item(request: HttpRequest, project: Project, item_id: int) -> WorkItem:
    item = selectors.get_visible_work_item(current_user(request), item_id)
    if item.project_id != project.pk:
        raise Http404
    return item


@login_required
@require_POST
def edit_item(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    row = _item(request, project, item)
    form = WorkItemForm(request.POST, project=project, auto_id="id_edit_%s")

    def write() -> None:
        version = form.cleaned_data.get("version")
        if version is None:
            raise ConflictError(current_version=row.version)
        services.update_work_item(row, by=user, version=version, **_row_values(form))

    return _write(request, project, form, write, _("Work item saved."), form_key="edit_form", editing=row.pk)


@login_required
@require_POST
def remove_item(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    row = _item(request, project, item)
    form = VersionForm(request.POST)

    def write() -> None:
        services.remove_work_item(row, by=user, version=form.cleaned_data["version"])

    return _write(request, project, form, write, _("Work item removed."))


@login_required
@require_POST
def accept_item(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    user = current_user(request)
    project = _project(request, pk)
    row = _item(request, project, item)
    form = AcceptForm(request.POST)

    def write() -> None:
        services.accept_milestone(
            row, by=user, version=form.cleaned_data["version"], done_on=form.cleaned_data["done_on"]
        )

    return _write(request, project, form, write, _("Milestone accepted."))
