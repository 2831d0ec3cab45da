"""The customer workspace: list, create and edit (the 360° page is kam.customers.profile.views). Thin: parse, call a selector or service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kam.access import permissions
from kam.access.visibility import get_visible_customer
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.customers import export, selectors, services
from kam.customers.forms import CustomerFilterForm, CustomerForm
from kam.customers.pool.duplicates import DuplicateMatch, DuplicatesFound
from kam.customers.tags import selectors as tags_selectors

LIST_COLUMNS = (
    ("name", gettext_lazy("Name")),
    ("short_name", gettext_lazy("Short name")),
    ("parent", gettext_lazy("Parent group")),
    ("owner", gettext_lazy("Owner")),
    ("industry", gettext_lazy("Industry")),
    ("region", gettext_lazy("Region")),
    ("status", gettext_lazy("Status")),
    ("tier", gettext_lazy("Tier")),
    ("segment", gettext_lazy("Segment")),
    ("score", gettext_lazy("Score")),
    ("churn_risk", gettext_lazy("Churn risk")),
    ("open_count", gettext_lazy("Open opportunities")),
    ("open_amount", gettext_lazy("Open pipeline")),
    ("last_touch", gettext_lazy("Last touch")),
)
NUMERIC_COLUMNS = ("score", "churn_risk", "open_count", "open_amount")


def _filter_errors(filters: selectors.CustomerFilters) -> list[tuple[str, str]]:
    """The refused filter values, labelled as the filter bar labels them."""
    fields = CustomerFilterForm.base_fields
    return [
        (str(fields[name].label) if name in fields else name, message)
        for name, message in filters.errors.items()
    ]


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = selectors.CustomerFilters.from_mapping(request.GET)
    selectors.drop_unknown_references(user, filters)
    rows, sort = selectors.customer_rows(user, filters, request.GET.get("sort"))
    rows, dynamic = tags_selectors.with_tags(rows)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for customer in page.object_list:
        customer.chips = tags_selectors.chips(customer, dynamic)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    rule = filters.to_rule()
    context = {
        "nav": "customers",
        "page": page,
        "sort": sort,
        "filters": filters,
        "filter_errors": _filter_errors(filters),
        "filter_query": query.urlencode(),
        "columns": LIST_COLUMNS,
        "numeric_columns": NUMERIC_COLUMNS,
        # "Save this filter as a tag": the list's filters less the text search, which is no rule.
        "can_save_filter": bool(rule) and permissions.may_manage_dynamic_tags(user),
        "save_filter_query": urlencode({"kind": "dynamic", **rule}),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "customers/list.html#table", context)
    context["filter_form"] = CustomerFilterForm(request.GET or None, choices=selectors.filter_choices(user))
    return render(request, "customers/list.html", context)


def _ids(values: list[str]) -> list[int]:
    return sorted({number for number in map(parse_id, values) if number})


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    """Excel of the rows matching the list's filters, or (`selected`) of the ticked rows only."""
    user = current_user(request)
    filters = selectors.CustomerFilters.from_mapping(request.GET)
    selectors.drop_unknown_references(user, filters)
    ids: list[int] | None = None
    if filters.errors and not request.GET.get("selected"):
        # A file of "everything" for a filter that was refused would look like the answer to it.
        messages.error(request, _("Some filters could not be used (see above), so nothing was exported."))
        query = request.GET.copy()
        query.pop("page", None)
        return redirect(reverse("customers:list") + "?" + query.urlencode())
    if request.GET.get("selected"):
        ids = _ids(request.GET.getlist("ids"))
        if not ids:
            messages.warning(request, _("Tick the rows to export first."))
            query = request.GET.copy()
            for name in ("selected", "ids", "page"):
                query.pop(name, None)
            return redirect(reverse("customers:list") + ("?" + query.urlencode() if query else ""))
    content, filename = export.customers_xlsx(user, filters, request.GET.get("sort"), ids)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _render_form(
    request: HttpRequest,
    form: CustomerForm,
    *,
    status: int = 200,
    conflict: bool = False,
    duplicates: list[DuplicateMatch] | None = None,
) -> HttpResponse:
    context = {
        "nav": "customers",
        "form": form,
        "duplicates": duplicates or [],
        "customer": form.customer,
        "conflict": conflict,
        "latest_changes": selectors.customer_history(form.customer, limit=3)
        if conflict and form.customer
        else [],
    }
    return render(request, "customers/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method != "POST":
        return _render_form(request, CustomerForm(user=user))
    form = CustomerForm(request.POST, user=user)
    if form.is_valid():
        fields = form.changes()
        name = fields.pop("name")
        owner = fields.pop("owner")
        try:
            customer = services.create_customer(
                by=user,
                name=name,
                owner=owner,
                confirm_duplicates=form.cleaned_data.get("confirm_duplicates", False),
                **fields,
            )
        except DuplicatesFound as error:
            apply_validation_error(form, error)
            if not error.blocking:
                form.offer_confirmation()
            return _render_form(request, form, status=400, duplicates=error.matches)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    return _render_form(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    if request.method != "POST":
        return _render_form(request, CustomerForm(user=user, customer=customer))
    form = CustomerForm(request.POST, user=user, customer=customer)
    if form.is_valid():
        try:
            services.update_customer(
                customer,
                by=user,
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            return _render_form(request, form, status=409, conflict=True)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Customer %(name)s saved.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    return _render_form(request, form, status=400)
