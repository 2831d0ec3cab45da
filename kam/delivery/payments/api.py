"""Payment plans, payments, invoices and receivables over JSON: every read the pages show and every
write through the same services (an instalment's edit and removal need If-Match)."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from kam.access.visibility import (
    contracts_for,
    get_visible_contract,
    get_visible_contract_part,
    get_visible_customer,
)
from kam.core.api.helpers import (
    LIST_ERRORS,
    MAX_LIMIT,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    expected_version,
    set_etag,
)
from kam.core.ids import MAX_ID
from kam.core.web import current_user
from kam.delivery.models import Contract, Instalment, Invoice, Payment
from kam.delivery.payments import selectors, services
from kam.delivery.payments.schemas import (
    ContractPaymentsOut,
    InstalmentIn,
    InstalmentOut,
    InstalmentUpdateIn,
    InvoiceIn,
    InvoiceOut,
    PaymentIn,
    PaymentOut,
    ReceivablesOut,
    SummaryOut,
)
from kam.org.models import User

router = Router(tags=["delivery: payments"])


def _figures(contracts: Any) -> dict[str, Any]:
    return selectors.figures(contracts).as_dict()


def _instalment(user: User, instalment_id: int) -> Instalment:
    inst = Instalment.objects.filter(pk=instalment_id, contract__in=contracts_for(user)).first()
    if inst is None:
        raise Http404
    return inst


@router.get("/contracts/{int:contract_id}/payments", response={200: ContractPaymentsOut, **READ_ERRORS})
def contract_payments(request: HttpRequest, contract_id: int) -> dict[str, Any]:
    """The contract's payment plan, payments with their matching, invoices and figures."""
    contract = get_visible_contract(current_user(request), contract_id)
    return {
        "contract": contract.pk,
        "figures": _figures(Contract.objects.filter(pk=contract.pk)),
        "instalments": [InstalmentOut.build(i) for i in selectors.plan(contract)],
        "payments": [PaymentOut.build(p) for p in selectors.payments(contract)],
        "invoices": [InvoiceOut.build(i) for i in selectors.invoices(contract)],
    }


@router.post("/contracts/{int:contract_id}/instalments", response={201: InstalmentOut, **WRITE_ERRORS})
def add_instalment(
    request: HttpRequest, response: HttpResponse, contract_id: int, payload: InstalmentIn
) -> Status:
    """A new instalment by `amount` or `percentage` of the contract's amount; the plan never exceeds the contract."""
    by = current_user(request)
    contract = get_visible_contract(by, contract_id)
    if payload.amount is not None and payload.percentage is not None:
        raise ValidationError({"percentage": [_("Give an amount or a percentage, not both.")]})
    inst = services.add_instalment(
        contract,
        by=by,
        name=payload.name,
        due_date=payload.due_date,
        amount=payload.amount,
        percentage=payload.percentage,
        condition=payload.condition,
    )
    set_etag(response, inst.version)
    return Status(201, InstalmentOut.build(inst))


@router.get("/instalments/{int:instalment_id}", response={200: InstalmentOut, **READ_ERRORS})
def get_instalment(request: HttpRequest, response: HttpResponse, instalment_id: int) -> dict[str, Any]:
    inst = _instalment(current_user(request), instalment_id)
    set_etag(response, inst.version)
    return InstalmentOut.build(inst)


@router.patch("/instalments/{int:instalment_id}", response={200: InstalmentOut, **VERSIONED_WRITE_ERRORS})
def update_instalment(
    request: HttpRequest, response: HttpResponse, instalment_id: int, payload: InstalmentUpdateIn
) -> dict[str, Any]:
    """Change fields; a `percentage` makes the amount follow the contract, an `amount` fixes it. Needs If-Match."""
    by = current_user(request)
    inst = _instalment(by, instalment_id)
    version = expected_version(request, inst.version)
    changes = payload.model_dump(exclude_unset=True)
    for name in ("name", "due_date"):
        if name in changes and changes[name] is None:
            raise ValidationError({name: [_("This field cannot be empty.")]})
    if changes.get("amount") is not None and changes.get("percentage") is not None:
        raise ValidationError({"percentage": [_("Give an amount or a percentage, not both.")]})
    if changes.get("amount") is not None:
        changes["percentage"] = None
    elif "amount" in changes:
        del changes["amount"]
    if changes.get("condition", "") is None:
        changes["condition"] = ""
    updated = services.update_instalment(inst, by=by, version=version, **changes)
    set_etag(response, updated.version)
    return InstalmentOut.build(updated)


@router.delete("/instalments/{int:instalment_id}", response={204: None, **VERSIONED_WRITE_ERRORS})
def remove_instalment(request: HttpRequest, instalment_id: int) -> Status:
    """Remove an instalment with no payment matched to it (422 otherwise). Needs If-Match."""
    by = current_user(request)
    inst = _instalment(by, instalment_id)
    version = expected_version(request, inst.version)
    services.remove_instalment(inst, by=by, version=version)
    return Status(204, None)


@router.post("/contracts/{int:contract_id}/payments", response={201: PaymentOut, **WRITE_ERRORS})
def record_payment(request: HttpRequest, contract_id: int, payload: PaymentIn) -> Status:
    """Record a payment, matched to the named instalments or the oldest open ones first. Over-allocation
    and a remainder no open instalment takes are refused (422)."""
    by = current_user(request)
    contract = get_visible_contract(by, contract_id)
    payment = services.record_payment(
        contract,
        by=by,
        amount=payload.amount,
        received_on=payload.received_on,
        reference=payload.reference,
        notes=payload.notes,
        allocations=[(a.instalment, a.amount) for a in payload.allocations] if payload.allocations else None,
    )
    return Status(201, PaymentOut.build(payment))


@router.delete("/payments/{int:payment_id}", response={204: None, **WRITE_ERRORS})
def delete_payment(request: HttpRequest, payment_id: int) -> Status:
    """Delete a payment recorded in error; its matching is reversed."""
    by = current_user(request)
    payment = get_visible_contract_part(by, Payment, payment_id)
    services.delete_payment(payment, by=by)
    return Status(204, None)


@router.post("/contracts/{int:contract_id}/invoices", response={201: InvoiceOut, **WRITE_ERRORS})
def issue_invoice(request: HttpRequest, contract_id: int, payload: InvoiceIn) -> Status:
    """Record an invoice issued; its number is unique per contract."""
    by = current_user(request)
    contract = get_visible_contract(by, contract_id)
    instalment = None
    if payload.instalment is not None:
        instalment = Instalment.objects.filter(pk=payload.instalment, contract=contract).first()
        if instalment is None:
            raise ValidationError({"instalment": [_("Pick an instalment of this contract.")]})
    invoice = services.issue_invoice(
        contract,
        by=by,
        number=payload.number,
        issued_on=payload.issued_on,
        amount=payload.amount,
        instalment=instalment,
    )
    return Status(201, InvoiceOut.build(invoice))


@router.delete("/invoices/{int:invoice_id}", response={204: None, **WRITE_ERRORS})
def delete_invoice(request: HttpRequest, invoice_id: int) -> Status:
    by = current_user(request)
    invoice = get_visible_contract_part(by, Invoice, invoice_id)
    services.delete_invoice(invoice, by=by)
    return Status(204, None)


# Receivables ------------------------------------------------------------------------------------


class ReceivablesQuery(Schema):
    team: int | None = NinjaField(None, ge=1, le=MAX_ID)
    owner: int | None = NinjaField(None, ge=1, le=MAX_ID)
    customer: int | None = NinjaField(None, ge=1, le=MAX_ID)
    overdue: bool = False
    bucket: Literal["", "0_30", "31_60", "61_90", "over_90"] = ""
    sort: str = NinjaField(
        "due",
        max_length=20,
        description="due, outstanding, customer, contract or owner; - before for descending.",
    )
    limit: int = NinjaField(50, ge=1, le=MAX_LIMIT)
    offset: int = NinjaField(0, ge=0, le=10**9)


def _filters(query: ReceivablesQuery) -> selectors.ReceivableFilters:
    if query.sort not in selectors.SORTS:
        raise ValidationError({"sort": [_("Sort by due, outstanding, customer, contract or owner.")]})
    return selectors.ReceivableFilters(
        team=query.team,
        owner=query.owner,
        customer=query.customer,
        overdue_only=query.overdue,
        bucket=query.bucket,
        sort=query.sort,
    )


@router.get("/receivables", response={200: ReceivablesOut, **LIST_ERRORS})
def receivables(request: HttpRequest, query: Query[ReceivablesQuery]) -> dict[str, Any]:
    """The open instalments of the signed contracts the caller may see, filtered, sorted and paged,
    with the totals of every page."""
    user = current_user(request)
    day = services.today()
    qs = selectors.receivables(user, _filters(query), day=day)
    totals = selectors.receivable_totals(qs)
    items = []
    for inst in qs[query.offset : query.offset + query.limit]:
        days = selectors.days_overdue(inst, day)
        items.append(
            {
                "instalment": InstalmentOut.build(inst),
                "contract_number": inst.contract.number,
                "customer": inst.contract.customer_id,
                "customer_name": inst.contract.customer.name,
                "owner": inst.contract.owner_id,
                "days_overdue": days,
                "bucket": selectors.bucket_of(days),
            }
        )
    return {**totals, "items": items}


class SummaryQuery(Schema):
    team: int | None = NinjaField(None, ge=1, le=MAX_ID)
    owner: int | None = NinjaField(None, ge=1, le=MAX_ID)
    customer: int | None = NinjaField(None, ge=1, le=MAX_ID)
    group_by: Literal["", "contract", "customer", "owner", "team"] = ""
    months: int = NinjaField(12, ge=1, le=36)


@router.get("/receivables/summary", response={200: SummaryOut, **LIST_ERRORS})
def receivables_summary(request: HttpRequest, query: Query[SummaryQuery]) -> dict[str, Any]:
    """Contracted, invoiced, received, outstanding, overdue, aging and DSO of the contracts the caller
    may see (filtered), the cash forecast by month, and with `group_by` the figures per group."""
    user = current_user(request)
    contracts = selectors.ReceivableFilters(
        team=query.team, owner=query.owner, customer=query.customer
    ).contracts(user)
    forecast = selectors.cash_forecast(contracts, months=query.months)
    breakdown = []
    if query.group_by:
        for key, values in selectors.breakdown(contracts, query.group_by).items():
            breakdown.append({"key": key, **{k: str(v) for k, v in values.items()}})
    return {
        "figures": _figures(contracts),
        "overdue": forecast["overdue"],
        "forecast": [{"month": m.strftime("%Y-%m"), "amount": a} for m, a in forecast["months"]],
        "breakdown": breakdown,
    }


@router.get("/customers/{int:customer_id}/receivables", response={200: ReceivablesOut, **READ_ERRORS})
def customer_receivables(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The customer's overdue instalments (the 360° page's section)."""
    user = current_user(request)
    customer = get_visible_customer(user, customer_id)
    return receivables(
        request,
        ReceivablesQuery.model_validate({"customer": customer.pk, "overdue": True, "limit": MAX_LIMIT}),
    )
