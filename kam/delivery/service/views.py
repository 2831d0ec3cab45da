"""Service request pages: the list (filters, sort, pages, the SLA state per row), a request with
its status actions, SLA clock and history, the new and edit forms, the customer 360° section, the
top bar's "SLA at risk" count and the SLA attainment report per team and month (with its Excel
export). A form from a request changed since it was read is refused with a 409 page."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access.visibility import get_visible_customer, get_visible_service_request
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.delivery.models import Priority, ServiceRequest, ServiceStatus
from kam.delivery.service import excel, selectors, services
from kam.delivery.service.forms import CustomerPickForm, MonthForm, MoveForm, ReassignForm, RequestForm

PAGE_SIZE = 50
SORT_COLUMNS = ("number", "opened", "customer", "priority", "status", "owner", "due")


def _url(sr: ServiceRequest) -> str:
    return reverse("delivery_service:detail", args=[sr.pk])


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


# The list ----------------------------------------------------------------------------------------


def _sort_links(request: HttpRequest, filters: selectors.Filters) -> dict[str, dict[str, str]]:
    links = {}
    for column in SORT_COLUMNS:
        current = filters.sort.lstrip("-") == column
        descending = filters.sort.startswith("-")
        params = request.GET.copy()
        params["sort"] = f"-{column}" if current and not descending else column
        params.pop("page", None)
        links[column] = {
            "url": "?" + params.urlencode(),
            "state": ("descending" if descending else "ascending") if current else "none",
        }
    return links


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = selectors.Filters.parse(request.GET)
    now = timezone.now()
    page = Paginator(selectors.requests(user, filters, now), PAGE_SIZE).get_page(request.GET.get("page"))
    query = filters.as_query()
    context = {
        "nav": "service",
        "page": page,
        "rows": selectors.with_states(list(page.object_list), now),
        "filters": filters,
        "has_filters": bool(query),
        "base_query": urlencode({**query, "sort": filters.sort}),
        "statuses": ServiceStatus.choices,
        "priorities": [(value, selectors.priority_label(value)) for value in Priority.values],
        "owners": selectors.owner_choices(user),
        "customers": selectors.customer_choices(user),
        "sort_links": _sort_links(request, filters),
    }
    return render(request, "delivery/service/list.html", context, status=400 if filters.errors else 200)


# One request -------------------------------------------------------------------------------------


def _history(sr: ServiceRequest) -> list[dict[str, Any]]:
    rows = []
    for change in selectors.history(sr):
        pairs = []
        if isinstance(change.changes, dict):
            for name, pair in change.changes.items():
                if not isinstance(pair, list) or len(pair) != 2:
                    continue
                try:
                    label = str(ServiceRequest._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
                except Exception:
                    label = name
                pairs.append({"label": label, "old": pair[0], "new": pair[1]})
        rows.append({"change": change, "pairs": pairs})
    return rows


def _page(request: HttpRequest, sr: ServiceRequest, *, status: int = 200, **state: Any) -> HttpResponse:
    now = timezone.now()
    context = {
        "nav": "service",
        "sr": sr,
        "sla": selectors.sla_state(sr, now),
        "priority": selectors.priority_label(sr.priority),
        "moves": services.allowed_moves(sr),
        "history": _history(sr),
        "reassign_form": state.pop("reassign_form", None) or ReassignForm(initial={"version": sr.version}),
        "move_form": state.pop("move_form", None),
        **state,
    }
    return render(request, "delivery/service/detail.html", context, status=status)


def _load(request: HttpRequest, pk: int) -> ServiceRequest:
    qs_user = current_user(request)
    sr = get_visible_service_request(qs_user, pk)
    # The page shows these; one query instead of one each.
    return ServiceRequest.objects.select_related(
        "customer", "owner", "kind", "contact", "contract", "escalated_to", "created_by"
    ).get(pk=sr.pk)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _load(request, pk))


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    sr = _load(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _page(request, sr, status=400, move_form=form, error=_("Pick a next step."))
    try:
        services.move(
            sr,
            by=user,
            version=form.cleaned_data["version"],
            to=form.cleaned_data["to"],
            resolution=form.cleaned_data["resolution"],
        )
    except ConflictError as error:
        return _page(request, _load(request, pk), status=409, error=str(error))
    except RuleViolation as error:
        return _page(request, sr, status=400, error=str(error))
    except ValidationError as error:
        return _page(
            request, sr, status=400, move_form=form, error=" ".join(sum(error.message_dict.values(), []))
        )
    messages.success(
        request,
        _("%(number)s is now “%(status)s”.") % {"number": sr.number, "status": sr.get_status_display()},
    )
    return redirect(_url(sr))


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    sr = _load(request, pk)
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            services.reassign(
                sr, by=user, version=form.cleaned_data["version"], owner=form.cleaned_data["owner"]
            )
        except ConflictError as error:
            return _page(request, _load(request, pk), status=409, error=str(error))
        except (ValidationError, RuleViolation) as error:
            if isinstance(error, ValidationError):
                apply_validation_error(form, error)
            else:
                form.add_error(None, str(error))
        else:
            messages.success(
                request, _("%(number)s now belongs to %(owner)s.") % {"number": sr.number, "owner": sr.owner}
            )
            return redirect(_url(sr))
    return _page(request, sr, status=400, reassign_form=form)


# New and edit ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    customer_id = request.GET.get("customer", "")
    if not (customer_id.isdecimal() and len(customer_id) <= 18):
        pick = CustomerPickForm(request.GET or None, user=user)
        if pick.is_valid():
            return redirect(
                reverse("delivery_service:create") + f"?customer={pick.cleaned_data['customer'].pk}"
            )
        return render(request, "delivery/service/pick_customer.html", {"nav": "service", "form": pick})
    customer = get_visible_customer(user, int(customer_id))
    status = 200
    if request.method == "POST":
        form = RequestForm(request.POST, customer=customer, creating=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sr = services.open_request(
                    by=user,
                    customer=customer,
                    kind=data["kind"],
                    priority=data["priority"],
                    subject=data["subject"],
                    description=data["description"],
                    contact=data["contact"],
                    contract=data["contract"],
                    owner=data.get("owner"),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                terms = services.sla_terms(customer.tier, sr.priority)
                if terms.is_default:
                    messages.warning(request, services.default_note(customer, sr.priority))
                messages.success(request, _("Service request %(number)s opened.") % {"number": sr.number})
                return redirect(_url(sr))
        status = 400
    else:
        form = RequestForm(customer=customer, creating=True)
    context = {"nav": "service", "form": form, "customer": customer, "creating": True}
    return render(request, "delivery/service/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    sr = _load(request, pk)
    status = 200
    error = ""
    if request.method == "POST":
        form = RequestForm(request.POST, customer=sr.customer, creating=False)
        if form.is_valid():
            data = form.cleaned_data
            changes = {name: data[name] for name in services.EDITABLE_FIELDS}
            try:
                notes = services.update_request(sr, by=user, version=data["version"], **changes)
            except ConflictError as conflict:
                error, status = str(conflict), 409
            except RuleViolation as violation:
                error, status = str(violation), 400
            except ValidationError as invalid:
                apply_validation_error(form, invalid)
                status = 400
            else:
                for note in notes:
                    messages.warning(request, note)
                messages.success(request, _("Saved."))
                return redirect(_url(sr))
        else:
            status = 400
    else:
        initial = {name: getattr(sr, name) for name in services.EDITABLE_FIELDS}
        form = RequestForm(initial={**initial, "version": sr.version}, customer=sr.customer, creating=False)
    context = {
        "nav": "service",
        "form": form,
        "customer": sr.customer,
        "sr": sr,
        "creating": False,
        "error": error,
    }
    return render(request, "delivery/service/form.html", context, status=status)


# The customer 360° section and the top bar --------------------------------------------------------


@login_required
@require_GET
def customer_panel(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    if not _is_htmx(request):
        return redirect(reverse("delivery_service:list") + f"?customer={customer.pk}&status=open")
    rows = selectors.with_states(list(selectors.customer_open(user, customer)[:20]))
    return render(request, "delivery/service/_customer_panel.html", {"customer": customer, "rows": rows})


@login_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    count = selectors.at_risk_count(current_user(request))
    return render(request, "delivery/service/badge.html", {"count": count})


# SLA attainment ----------------------------------------------------------------------------------


def _month(request: HttpRequest) -> tuple[MonthForm, dt.date]:
    form = MonthForm(request.GET or None)
    today = timezone.localdate()
    month = today.replace(day=1)
    if form.is_valid() and form.cleaned_data.get("month"):
        month = form.cleaned_data["month"].replace(day=1)
    return form, month


def _shift(month: dt.date, by: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + by
    return dt.date(index // 12, index % 12 + 1, 1)


@login_required
@require_GET
def sla_report(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form, month = _month(request)
    rows, total = selectors.attainment(user, month)
    context = {
        "nav": "service",
        "form": form,
        "month": month,
        "previous": _shift(month, -1),
        "next": _shift(month, 1),
        "rows": rows,
        "total": total,
    }
    return render(
        request,
        "delivery/service/sla.html",
        context,
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


@login_required
@require_GET
def sla_export(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form, month = _month(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            _("Pick a month as YYYY-MM."), status=400, content_type="text/plain; charset=utf-8"
        )
    rows, total = selectors.attainment(user, month)
    content, filename = excel.attainment_xlsx(rows, total, month)
    response = HttpResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
