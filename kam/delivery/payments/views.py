"""The payments pages: a contract's payments panel (plan, payments and their matching, invoices,
figures, history; forms through htmx), the receivables page with its Excel export, and the
customer 360° page's receivables section.

The panel is loaded by the contract page through htmx; opened without htmx it is a page of its
own. Every write posts a form and answers with the panel again (htmx) or a redirect to it. A
form from an instalment changed since it was read is refused with a 409."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import (
    customers_for,
    get_visible_contract,
    get_visible_contract_part,
    get_visible_customer,
)
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.delivery.models import Contract, Instalment, Invoice, Payment
from kam.delivery.payments import selectors, services
from kam.delivery.payments.forms import (
    InstalmentEditForm,
    InstalmentForm,
    InvoiceForm,
    PaymentForm,
    VersionForm,
)
from kam.org.models import Team, User

PAGE_SIZE = 50
PANEL = "delivery/payments/panel.html"
BUCKET_LABELS = {
    "0_30": "0–30",
    "31_60": "31–60",
    "61_90": "61–90",
    "over_90": "> 90",
}


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _contract(request: HttpRequest, pk: int) -> Contract:
    return get_visible_contract(current_user(request), pk)


# The contract's panel -------------------------------------------------------------------------------


def _panel_context(contract: Contract, **state: Any) -> dict[str, Any]:
    plan = selectors.plan(contract)
    open_rows = [i for i in plan if i.received < i.amount]
    day = services.today()
    fig = selectors.figures(Contract.objects.filter(pk=contract.pk), day=day)
    rows = []
    for inst in plan:
        days = selectors.days_overdue(inst, day) if inst.received < inst.amount else 0
        rows.append(
            {
                "inst": inst,
                "days_overdue": days,
                "overdue": days > 0,
                "form": state.pop(f"edit_{inst.pk}", None)
                or InstalmentEditForm(
                    initial={
                        "name": inst.name,
                        "amount": None if inst.percentage is not None else inst.amount,
                        "percentage": inst.percentage,
                        "due_date": inst.due_date,
                        "condition": inst.condition,
                        "version": inst.version,
                    },
                    auto_id=f"id_inst{inst.pk}_%s",
                ),
            }
        )
    context = {
        "contract": contract,
        "rows": rows,
        "figures": fig,
        "payments": selectors.payments(contract),
        "invoices": selectors.invoices(contract),
        "history": selectors.history(contract, 20),
        "receivable": contract.status in services.RECEIVABLE_STATUSES,
        "instalment_form": state.pop("instalment_form", None) or InstalmentForm(auto_id="id_newinst_%s"),
        "payment_form": state.pop("payment_form", None)
        or PaymentForm(open_instalments=open_rows, initial={"received_on": day}, auto_id="id_pay_%s"),
        "invoice_form": state.pop("invoice_form", None)
        or InvoiceForm(
            instalments=Instalment.objects.filter(contract=contract),
            initial={"issued_on": day},
            auto_id="id_inv_%s",
        ),
        "open_edit": None,
    }
    context.update(state)
    return context


def _show(request: HttpRequest, contract: Contract, *, status: int = 200, **state: Any) -> HttpResponse:
    context = _panel_context(contract, **state)
    if _is_htmx(request):
        # htmx swaps only successful answers: a refused form comes back as 200 with its messages.
        return render(request, PANEL, context)
    context["nav"] = "receivables"
    return render(request, "delivery/payments/page.html", context, status=status)


def _done(request: HttpRequest, contract: Contract, notice: str) -> HttpResponse:
    if _is_htmx(request):
        return _show(request, contract, notice=notice)
    from django.contrib import messages

    messages.success(request, notice)
    return redirect("delivery_payments:panel", pk=contract.pk)


@login_required
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _show(request, _contract(request, pk))


@login_required
@require_POST
def add_instalment(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contract = _contract(request, pk)
    form = InstalmentForm(request.POST, auto_id="id_newinst_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            inst = services.add_instalment(
                contract,
                by=user,
                name=data["name"],
                due_date=data["due_date"],
                amount=data["amount"],
                percentage=data["percentage"],
                condition=data["condition"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(request, contract, _("Instalment %(name)s added.") % {"name": inst.name})
    return _show(request, contract, status=400, instalment_form=form, open_add="instalment")


def _instalment(request: HttpRequest, contract: Contract, iid: int) -> Instalment:
    return get_visible_contract_part(current_user(request), Instalment, iid, contract=contract)


@login_required
@require_POST
def edit_instalment(request: HttpRequest, pk: int, iid: int) -> HttpResponse:
    user = current_user(request)
    contract = _contract(request, pk)
    inst = _instalment(request, contract, iid)
    form = InstalmentEditForm(request.POST, auto_id=f"id_inst{inst.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        changes: dict[str, Any] = {
            "name": data["name"],
            "due_date": data["due_date"],
            "condition": data["condition"],
        }
        if data["percentage"] is not None:
            changes["percentage"] = data["percentage"]
        else:
            changes["amount"], changes["percentage"] = data["amount"], None
        try:
            services.update_instalment(inst, by=user, version=data["version"], **changes)
        except ConflictError as error:
            return _show(request, contract, status=409, error=str(error))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(request, contract, _("Instalment %(name)s saved.") % {"name": data["name"]})
    return _show(request, contract, status=400, open_edit=inst.pk, **{f"edit_{inst.pk}": form})


@login_required
@require_POST
def delete_instalment(request: HttpRequest, pk: int, iid: int) -> HttpResponse:
    user = current_user(request)
    contract = _contract(request, pk)
    inst = _instalment(request, contract, iid)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _show(
            request,
            contract,
            status=400,
            error=_("This page was out of date or incomplete: reload it and try again."),
        )
    try:
        services.remove_instalment(inst, by=user, version=form.cleaned_data["version"])
    except ConflictError as error:
        return _show(request, contract, status=409, error=str(error))
    except ValidationError as error:
        return _show(request, contract, status=400, error=" ".join(error.messages))
    return _done(request, contract, _("Instalment %(name)s removed.") % {"name": inst.name})


@login_required
@require_POST
def add_payment(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contract = _contract(request, pk)
    open_rows = list(Instalment.objects.filter(contract=contract).order_by("due_date", "order", "id"))
    open_rows = [i for i in open_rows if i.received < i.amount]
    form = PaymentForm(request.POST, open_instalments=open_rows, auto_id="id_pay_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.record_payment(
                contract,
                by=user,
                amount=data["amount"],
                received_on=data["received_on"],
                reference=data["reference"],
                notes=data["notes"],
                allocations=form.allocations(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(request, contract, _("Payment of %(amount)s recorded.") % {"amount": payment.amount})
    return _show(request, contract, status=400, payment_form=form, open_add="payment")


@login_required
@require_POST
def delete_payment(request: HttpRequest, pk: int, payment_id: int) -> HttpResponse:
    contract = _contract(request, pk)
    payment = get_visible_contract_part(current_user(request), Payment, payment_id, contract=contract)
    services.delete_payment(payment, by=current_user(request))
    return _done(
        request,
        contract,
        _("Payment of %(amount)s deleted; its matching was reversed.") % {"amount": payment.amount},
    )


@login_required
@require_POST
def add_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contract = _contract(request, pk)
    form = InvoiceForm(
        request.POST, instalments=Instalment.objects.filter(contract=contract), auto_id="id_inv_%s"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            invoice = services.issue_invoice(
                contract,
                by=user,
                number=data["number"],
                issued_on=data["issued_on"],
                amount=data["amount"],
                instalment=data["instalment"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(request, contract, _("Invoice %(number)s recorded.") % {"number": invoice.number})
    return _show(request, contract, status=400, invoice_form=form, open_add="invoice")


@login_required
@require_POST
def delete_invoice(request: HttpRequest, pk: int, invoice_id: int) -> HttpResponse:
    contract = _contract(request, pk)
    invoice = get_visible_contract_part(current_user(request), Invoice, invoice_id, contract=contract)
    services.delete_invoice(invoice, by=current_user(request))
    return _done(request, contract, _("Invoice %(number)s deleted.") % {"number": invoice.number})


# The receivables page -----------------------------------------------------------------------------


def _choices(user: User) -> dict[str, Any]:
    contracts = selectors.receivable_contracts(user)
    owner_ids = contracts.order_by().values("owner_id")
    return {
        "owners": list(User.objects.filter(pk__in=owner_ids).order_by("name", "username")),
        "teams": list(Team.objects.filter(members__pk__in=owner_ids).distinct().order_by("name")),
        "customers": list(
            customers_for(user)
            .filter(pk__in=contracts.order_by().values("customer_id"))
            .order_by("name")[:500]
        ),
    }


def _sort_links(request: HttpRequest, current: str) -> dict[str, dict[str, str]]:
    links = {}
    for column in ("due", "outstanding", "customer", "contract", "owner"):
        active = current.lstrip("-") == column
        descending = current.startswith("-")
        target = f"-{column}" if active and not descending else column
        params = request.GET.copy()
        params["sort"] = target
        params.pop("page", None)
        links[column] = {
            "url": "?" + params.urlencode(),
            "state": ("descending" if descending else "ascending") if active else "none",
        }
    return links


@login_required
@require_GET
def receivables(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = selectors.ReceivableFilters.parse(request.GET)
    day = services.today()
    qs = selectors.receivables(user, filters, day=day)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    contracts = filters.contracts(user)
    fig = selectors.figures(contracts, day=day)
    forecast = selectors.cash_forecast(contracts, day=day)
    rows = []
    for inst in page.object_list:
        days = selectors.days_overdue(inst, day)
        rows.append({"inst": inst, "days": days, "bucket": BUCKET_LABELS.get(selectors.bucket_of(days), "")})
    query = filters.as_query()
    context = {
        "nav": "receivables",
        "page": page,
        "rows": rows,
        "filters": filters,
        "query": query,
        "has_filters": bool(query),
        "base_query": urlencode({**query, "sort": filters.sort}),
        "totals": selectors.receivable_totals(qs),
        "figures": fig,
        "aging": [(key, BUCKET_LABELS[key], fig.buckets.get(key)) for key in selectors.BUCKET_KEYS],
        "forecast": forecast,
        "chart": {
            "months": [m.strftime("%Y-%m") for m, _a in forecast["months"]],
            "amounts": [float(a) for _m, a in forecast["months"]],
            "overdue": float(forecast["overdue"]),
            "overdue_label": _("Overdue"),
            "expected_label": _("Expected"),
        },
        "bucket_labels": BUCKET_LABELS,
        "sort_links": _sort_links(request, filters.sort),
        **_choices(user),
    }
    return render(request, "delivery/payments/receivables.html", context)


@login_required
@require_GET
def receivables_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook (every row, not one page)."""
    from openpyxl import Workbook

    user = current_user(request)
    filters = selectors.ReceivableFilters.parse(request.GET)
    day = services.today()
    qs = selectors.receivables(user, filters, day=day)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Receivables"))
    sheet.append(
        [
            _("Customer"),
            _("Contract"),
            _("Owner"),
            _("Instalment"),
            _("Due date"),
            _("Amount"),
            _("Received"),
            _("Outstanding"),
            _("Days overdue"),
            _("Aging bucket"),
        ]
    )
    for inst in qs.iterator(chunk_size=2000):
        days = selectors.days_overdue(inst, day)
        sheet.append(
            [
                inst.contract.customer.name,
                inst.contract.number,
                str(inst.contract.owner),
                inst.name,
                inst.due_date,
                inst.amount,
                inst.received,
                inst.amount - inst.received,
                days,
                BUCKET_LABELS.get(selectors.bucket_of(days), ""),
            ]
        )
    out = BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="receivables-{day.isoformat()}.xlsx"'
    return response


# The customer 360° section ------------------------------------------------------------------------


@login_required
@require_GET
def customer_section(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    if not _is_htmx(request):
        return redirect(reverse("delivery_payments:receivables") + f"?customer={customer.pk}")
    day = services.today()
    overdue = list(selectors.customer_overdue(customer.pk, day=day)[:50])
    rows = [{"inst": i, "days": selectors.days_overdue(i, day)} for i in overdue]
    contracts = selectors.receivable_contracts(user).filter(customer=customer)
    return render(
        request,
        "delivery/payments/_customer_section.html",
        {"customer": customer, "rows": rows, "figures": selectors.figures(contracts, day=day), "today": day},
    )
