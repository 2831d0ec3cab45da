"""The customer workspace: list, create and edit (the 360° page is kam.customers.detail_views). Thin: parse, call a selector or service, render."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kam.core.errors import ConflictError
from kam.org.models import User

from . import selectors, services
from .forms import CustomerFilterForm, CustomerForm, apply_validation_error


def echarts_locale() -> str:
    return "ZH" if (get_language() or "").lower().startswith("zh") else "EN"


def current_user(request: HttpRequest) -> User:
    """The signed-in user; every view here is behind login_required."""
    return cast(User, request.user)


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.CustomerFilters.from_mapping(request.GET)
    rows, sort = selectors.customer_rows(current_user(request), filters, request.GET.get("sort"))
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    context = {
        "nav": "customers",
        "page": page,
        "sort": sort,
        "filters": filters,
        "filter_query": query.urlencode(),
        "columns": [
            ("name", _("Name")),
            ("short_name", _("Short name")),
            ("parent", _("Parent group")),
            ("owner", _("Owner")),
            ("industry", _("Industry")),
            ("region", _("Region")),
            ("status", _("Status")),
            ("tier", _("Tier")),
            ("segment", _("Segment")),
            ("open_count", _("Open opportunities")),
            ("open_amount", _("Open pipeline")),
        ],
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "customers/list.html#table", context)
    context["filter_form"] = CustomerFilterForm(
        request.GET or None,
        choices=selectors.filter_choices(current_user(request)),
    )
    return render(request, "customers/list.html", context)


def _render_form(
    request: HttpRequest, form: CustomerForm, *, status: int = 200, conflict: bool = False
) -> HttpResponse:
    context = {
        "nav": "customers",
        "form": form,
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
            customer = services.create_customer(by=user, name=name, owner=owner, **fields)
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
    customer = selectors.customer_detail(user, pk)
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
