"""Writes of a contract's payment plan, its payments (回款) and invoices (开票), and the overdue
figures kept on `CustomerCare`.

Rules:
- An instalment is written by amount, or by percentage of the contract's amount; a percentage
  instalment's amount follows the contract when an amendment changes it (`follow_contract_amount`).
  The plan's total never exceeds the contract's amount.
- A payment is matched in full when it is recorded: to instalments the user names (with amounts),
  or else automatically to the oldest open instalments first (by due date, then order). Partial
  payments are allowed; an allocation above an instalment's outstanding is refused, and so is a
  remainder no open instalment takes: there is no "advance" on account here, so the contract's
  received total is always the sum of its instalments' `received` (add the instalment to the plan
  first, then record the payment).
- Deleting a payment reverses its allocations. `Instalment.received`, `invoiced` and `paid_on`
  are recounted from the allocations and invoices in SQL after every write.
- Every write appends a `DeliveryChange`; instalment edits carry the version read (a stale one is a
  `ConflictError`); writes on one contract are serialised by locking the contract's row.
- `refresh_care(customer_ids)` keeps `CustomerCare.overdue_amount` and `oldest_overdue_due` (those
  two fields only); the writes call it, and so does the daily task, since overdue moves with the
  date alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Max, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ConflictError
from kam.core.money import MONEY_DIGITS
from kam.delivery import history
from kam.delivery.models import (
    Contract,
    ContractStatus,
    CustomerCare,
    DeliveryChange,
    Instalment,
    Invoice,
    Payment,
    PaymentAllocation,
)
from kam.org.models import User

ZERO = Decimal("0")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
# A plan is receivable once the contract is signed: drafts and contracts in approval owe nothing yet.
RECEIVABLE_STATUSES = (
    ContractStatus.SIGNED,
    ContractStatus.IN_FORCE,
    ContractStatus.COMPLETED,
    ContractStatus.TERMINATED,
)
INSTALMENT_FIELDS = ("name", "amount", "percentage", "due_date", "condition", "order")


def today() -> datetime.date:
    return timezone.localdate()


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def record(
    contract: Contract,
    *,
    record_label: str,
    record_id: int,
    action: str,
    by: User | None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> DeliveryChange:
    """One history line of the contract's payments ({field: [old, new]}), through the app's helper."""
    return history.record(
        customer=contract.customer_id,
        contract=contract.pk,
        record=record_label,
        record_id=record_id,
        action=action,
        by=by,
        summary=summary,
        changes=changes,
    )


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


# The plan ------------------------------------------------------------------------------------------


def _amount_for(contract: Contract, amount: Any, percentage: Any) -> tuple[Decimal, Decimal | None]:
    if percentage not in (None, ""):
        pct = Decimal(percentage)
        if not ZERO < pct <= Decimal("100"):
            raise ValidationError({"percentage": [_("A percentage is more than 0 and at most 100.")]})
        return _money(contract.amount * pct / Decimal("100")), pct
    if amount in (None, ""):
        raise ValidationError({"amount": [_("Give the instalment an amount or a percentage.")]})
    value = _money(amount)
    if value <= ZERO:
        raise ValidationError({"amount": [_("An instalment's amount is more than 0.")]})
    return value, None


def _check_total(contract: Contract, amount: Decimal, *, excluding: int | None = None) -> None:
    others = Instalment.objects.filter(contract=contract)
    if excluding is not None:
        others = others.exclude(pk=excluding)
    planned = others.aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY))["total"]
    if planned + amount > contract.amount:
        raise ValidationError(
            {
                "amount": [
                    _(
                        "The plan would total %(total)s, more than the contract's amount %(amount)s "
                        "(%(left)s is left to plan)."
                    )
                    % {
                        "total": planned + amount,
                        "amount": contract.amount,
                        "left": max(contract.amount - planned, ZERO),
                    }
                ]
            }
        )


def _check_fields(name: str, due_date: Any) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the instalment.")]
    if not isinstance(due_date, datetime.date):
        errors["due_date"] = [_("Give the due date.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_instalment(
    contract: Contract,
    *,
    by: User,
    name: str,
    due_date: datetime.date,
    amount: Any = None,
    percentage: Any = None,
    condition: str = "",
) -> Instalment:
    """A new line of the plan, by amount or by percentage of the contract's amount."""
    _check_fields(name, due_date)
    contract = _lock(contract)
    value, pct = _amount_for(contract, amount, percentage)
    _check_total(contract, value)
    order = (Instalment.objects.filter(contract=contract).aggregate(m=Max("order"))["m"] or 0) + 1
    instalment = Instalment.objects.create(
        contract=contract,
        order=order,
        name=name.strip(),
        amount=value,
        percentage=pct,
        due_date=due_date,
        condition=(condition or "").strip(),
    )
    record(
        contract,
        record_label="instalment",
        record_id=instalment.pk,
        action="created",
        by=by,
        summary=_("Instalment %(name)s: %(amount)s due %(due)s")
        % {"name": instalment.name, "amount": value, "due": due_date.isoformat()},
    )
    refresh_care([contract.customer_id])
    return instalment


@transaction.atomic
def update_instalment(instalment: Instalment, *, by: User, version: int, **changes: Any) -> Instalment:
    """Edit name, amount or percentage (one replaces the other), due date, condition, order."""
    unknown = set(changes) - set(INSTALMENT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    contract = _lock(instalment.contract)
    current = Instalment.objects.select_for_update().get(pk=instalment.pk)
    if current.version != version:
        raise ConflictError(current_version=current.version)
    new = {name: getattr(current, name) for name in INSTALMENT_FIELDS}
    new.update(changes)
    _check_fields(new["name"], new["due_date"])
    if "percentage" in changes and changes["percentage"] not in (None, ""):
        value, pct = _amount_for(contract, None, changes["percentage"])
    elif "amount" in changes:
        value, pct = _amount_for(contract, changes["amount"], None)
    elif "percentage" in changes:
        value, pct = _amount_for(contract, current.amount, None)
    else:
        value, pct = current.amount, current.percentage
    if value < current.received:
        raise ValidationError(
            {
                "amount": [
                    _("%(received)s was already received for this instalment: the amount cannot be less.")
                    % {"received": current.received}
                ]
            }
        )
    _check_total(contract, value, excluding=current.pk)
    new["amount"], new["percentage"] = value, pct
    new["name"] = str(new["name"]).strip()
    new["condition"] = str(new["condition"] or "").strip()
    diff = {k: [getattr(current, k), v] for k, v in new.items() if getattr(current, k) != v}
    if not diff:
        return current
    updated = Instalment.objects.filter(pk=current.pk, version=version).update(
        **new, version=F("version") + 1
    )
    if not updated:
        raise ConflictError(current_version=current.version)
    _recount([current.pk])
    record(
        contract,
        record_label="instalment",
        record_id=current.pk,
        action="edited",
        by=by,
        summary=_("Instalment %(name)s edited") % {"name": new["name"]},
        changes=diff,
    )
    refresh_care([contract.customer_id])
    return Instalment.objects.get(pk=current.pk)


@transaction.atomic
def remove_instalment(instalment: Instalment, *, by: User, version: int | None = None) -> None:
    """Remove a line of the plan; one with payments matched to it stays (delete the payments first)."""
    contract = _lock(instalment.contract)
    current = Instalment.objects.select_for_update().filter(pk=instalment.pk).first()
    if current is None:
        return
    if version is not None and current.version != version:
        raise ConflictError(current_version=current.version)
    if PaymentAllocation.objects.filter(instalment=current).exists():
        raise ValidationError(
            _("Payments are matched to %(name)s: delete those payments before removing it.")
            % {"name": current.name}
        )
    record(
        contract,
        record_label="instalment",
        record_id=current.pk,
        action="deleted",
        by=by,
        summary=_("Instalment %(name)s removed (%(amount)s due %(due)s)")
        % {"name": current.name, "amount": current.amount, "due": current.due_date.isoformat()},
    )
    current.delete()
    refresh_care([contract.customer_id])


@transaction.atomic
def follow_contract_amount(contract: Contract, *, by: User | None = None) -> list[Instalment]:
    """Re-derive the percentage instalments' amounts from the contract's amount (after an
    amendment). Returns the instalments whose amount moved. Amounts already received stay: an
    instalment never drops below what was received for it."""
    contract = _lock(contract)
    moved = []
    for inst in Instalment.objects.filter(contract=contract, percentage__isnull=False).select_for_update():
        assert inst.percentage is not None
        value = max(_money(contract.amount * inst.percentage / Decimal("100")), inst.received)
        if value == inst.amount:
            continue
        old = inst.amount
        inst.amount = value
        inst.version += 1
        inst.save(update_fields=["amount", "version"])
        record(
            contract,
            record_label="instalment",
            record_id=inst.pk,
            action="edited",
            by=by,
            summary=_("Instalment %(name)s follows the contract's amount (%(pct)s %%)")
            % {"name": inst.name, "pct": inst.percentage},
            changes={"amount": [old, value]},
        )
        moved.append(inst)
    if moved:
        _recount([i.pk for i in moved])
        refresh_care([contract.customer_id])
    return moved


def _recount(instalment_ids: Iterable[int]) -> None:
    """`received`, `invoiced` and `paid_on` from the allocations and invoices, in SQL."""
    ids = list(instalment_ids)
    if not ids:
        return
    received = (
        PaymentAllocation.objects.filter(instalment_id=OuterRef("pk"))
        .values("instalment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    last_paid = (
        PaymentAllocation.objects.filter(instalment_id=OuterRef("pk"))
        .values("instalment")
        .annotate(last=Max("payment__received_on"))
        .values("last")
    )
    invoiced = (
        Invoice.objects.filter(instalment_id=OuterRef("pk"))
        .values("instalment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    qs = Instalment.objects.filter(pk__in=ids)
    qs.update(
        received=Coalesce(Subquery(received, output_field=MONEY), Value(ZERO), output_field=MONEY),
        invoiced=Coalesce(Subquery(invoiced, output_field=MONEY), Value(ZERO), output_field=MONEY),
    )
    qs.filter(received__gte=F("amount")).update(paid_on=Subquery(last_paid))
    qs.filter(received__lt=F("amount")).update(paid_on=None)


# Payments -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    instalment: Instalment
    amount: Decimal


def _open(contract: Contract) -> list[Instalment]:
    return list(
        Instalment.objects.select_for_update()
        .filter(contract=contract, received__lt=F("amount"))
        .order_by("due_date", "order", "id")
    )


def plan_allocations(
    contract: Contract, amount: Decimal, named: Sequence[tuple[int, Any]] | None
) -> list[Allocation]:
    """How a payment of `amount` is matched: to the named (instalment id, amount) pairs, or oldest
    first. Refuses over-allocation and any remainder."""
    open_rows = _open(contract)
    allocations: list[Allocation] = []
    if named:
        by_id = {i.pk: i for i in Instalment.objects.select_for_update().filter(contract=contract)}
        seen: set[int] = set()
        for inst_id, part in named:
            inst = by_id.get(int(inst_id))
            if inst is None:
                raise ValidationError({"allocations": [_("Pick instalments of this contract.")]})
            if inst.pk in seen:
                raise ValidationError({"allocations": [_("Name each instalment once.")]})
            seen.add(inst.pk)
            value = _money(part)
            if value <= ZERO:
                continue
            if value > inst.outstanding:
                raise ValidationError(
                    {
                        "allocations": [
                            _("%(name)s has %(left)s outstanding: %(value)s is too much.")
                            % {"name": inst.name, "left": inst.outstanding, "value": value}
                        ]
                    }
                )
            allocations.append(Allocation(inst, value))
        matched = sum((a.amount for a in allocations), ZERO)
        if matched != amount:
            raise ValidationError(
                {
                    "allocations": [
                        _("The amounts matched (%(matched)s) must add up to the payment (%(amount)s).")
                        % {"matched": matched, "amount": amount}
                    ]
                }
            )
        return allocations
    left = amount
    for inst in open_rows:
        if left <= ZERO:
            break
        part = min(inst.outstanding, left)
        allocations.append(Allocation(inst, part))
        left -= part
    if left > ZERO:
        outstanding = sum((i.outstanding for i in open_rows), ZERO)
        raise ValidationError(
            {
                "amount": [
                    _(
                        "The open instalments have %(outstanding)s outstanding: %(amount)s is more. "
                        "Add the instalment to the payment plan first."
                    )
                    % {"outstanding": outstanding, "amount": amount}
                ]
            }
        )
    return allocations


@transaction.atomic
def record_payment(
    contract: Contract,
    *,
    by: User,
    amount: Any,
    received_on: datetime.date,
    reference: str = "",
    notes: str = "",
    allocations: Sequence[tuple[int, Any]] | None = None,
) -> Payment:
    """Record money received and match it (see the module's rules)."""
    errors: dict[str, list[str]] = {}
    value = _money(amount) if amount not in (None, "") else ZERO
    if value <= ZERO:
        errors["amount"] = [_("A payment's amount is more than 0.")]
    if not isinstance(received_on, datetime.date):
        errors["received_on"] = [_("Give the day the payment came in.")]
    elif received_on > today():
        errors["received_on"] = [_("A payment cannot come in after today.")]
    if errors:
        raise ValidationError(errors)
    contract = _lock(contract)
    if contract.status not in RECEIVABLE_STATUSES:
        raise ValidationError(_("Payments are recorded once the contract is signed."))
    matched = plan_allocations(contract, value, allocations)
    payment = Payment.objects.create(
        contract=contract,
        received_on=received_on,
        amount=value,
        reference=(reference or "").strip(),
        notes=(notes or "").strip(),
        recorded_by=by,
    )
    PaymentAllocation.objects.bulk_create(
        [PaymentAllocation(payment=payment, instalment=a.instalment, amount=a.amount) for a in matched]
    )
    _recount([a.instalment.pk for a in matched])
    record(
        contract,
        record_label="payment",
        record_id=payment.pk,
        action="created",
        by=by,
        summary=_("Payment of %(amount)s received %(day)s%(ref)s: %(matched)s")
        % {
            "amount": value,
            "day": received_on.isoformat(),
            "ref": f" ({payment.reference})" if payment.reference else "",
            "matched": ", ".join(f"{a.instalment.name} {a.amount}" for a in matched),
        },
        changes={f"instalment {a.instalment.pk}": [None, a.amount] for a in matched},
    )
    refresh_care([contract.customer_id])
    return payment


@transaction.atomic
def delete_payment(payment: Payment, *, by: User) -> None:
    """Remove a payment recorded in error; its allocations are reversed."""
    contract = _lock(payment.contract)
    allocated = list(PaymentAllocation.objects.filter(payment=payment).values_list("instalment_id", "amount"))
    record(
        contract,
        record_label="payment",
        record_id=payment.pk,
        action="deleted",
        by=by,
        summary=_("Payment of %(amount)s received %(day)s deleted")
        % {"amount": payment.amount, "day": payment.received_on.isoformat()},
        changes={f"instalment {inst}": [amount, None] for inst, amount in allocated},
    )
    Payment.objects.filter(pk=payment.pk).delete()
    _recount([inst for inst, _amount in allocated])
    refresh_care([contract.customer_id])


# Invoices ------------------------------------------------------------------------------------------


@transaction.atomic
def issue_invoice(
    contract: Contract,
    *,
    by: User,
    number: str,
    issued_on: datetime.date,
    amount: Any,
    instalment: Instalment | None = None,
) -> Invoice:
    """An invoice issued; its number is unique per contract. Against an instalment, the invoices
    never exceed its amount; in all, never the contract's amount."""
    errors: dict[str, list[str]] = {}
    number = (number or "").strip()
    value = _money(amount) if amount not in (None, "") else ZERO
    if not number:
        errors["number"] = [_("Give the invoice's number.")]
    if value <= ZERO:
        errors["amount"] = [_("An invoice's amount is more than 0.")]
    if not isinstance(issued_on, datetime.date):
        errors["issued_on"] = [_("Give the day the invoice was issued.")]
    if errors:
        raise ValidationError(errors)
    contract = _lock(contract)
    if Invoice.objects.filter(contract=contract, number=number).exists():
        raise ValidationError(
            {"number": [_("This contract already has an invoice %(number)s.") % {"number": number}]}
        )
    if instalment is not None:
        inst = Instalment.objects.select_for_update().get(pk=instalment.pk)
        if inst.contract_id != contract.pk:
            raise ValidationError({"instalment": [_("Pick an instalment of this contract.")]})
        if inst.invoiced + value > inst.amount:
            raise ValidationError(
                {
                    "amount": [
                        _("%(name)s has %(left)s left to invoice.")
                        % {"name": inst.name, "left": inst.amount - inst.invoiced}
                    ]
                }
            )
    total = Invoice.objects.filter(contract=contract).aggregate(
        t=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY)
    )["t"]
    if total + value > contract.amount:
        raise ValidationError(
            {"amount": [_("The contract has %(left)s left to invoice.") % {"left": contract.amount - total}]}
        )
    invoice = Invoice.objects.create(
        contract=contract,
        instalment=instalment,
        number=number,
        issued_on=issued_on,
        amount=value,
        recorded_by=by,
    )
    if instalment is not None:
        _recount([instalment.pk])
    record(
        contract,
        record_label="invoice",
        record_id=invoice.pk,
        action="created",
        by=by,
        summary=_("Invoice %(number)s of %(amount)s issued %(day)s")
        % {"number": number, "amount": value, "day": issued_on.isoformat()},
    )
    return invoice


@transaction.atomic
def delete_invoice(invoice: Invoice, *, by: User) -> None:
    contract = _lock(invoice.contract)
    record(
        contract,
        record_label="invoice",
        record_id=invoice.pk,
        action="deleted",
        by=by,
        summary=_("Invoice %(number)s of %(amount)s deleted")
        % {"number": invoice.number, "amount": invoice.amount},
    )
    inst_id = invoice.instalment_id
    Invoice.objects.filter(pk=invoice.pk).delete()
    if inst_id:
        _recount([inst_id])


# Customer care --------------------------------------------------------------------------------------


def overdue_instalments(on: datetime.date | None = None) -> Any:
    """Instalments of signed contracts due before `on` (today) and not received in full."""
    return Instalment.objects.filter(
        contract__status__in=RECEIVABLE_STATUSES,
        paid_on__isnull=True,
        received__lt=F("amount"),
        due_date__lt=on or today(),
    )


def refresh_care(customer_ids: Iterable[int] | None, *, on: datetime.date | None = None) -> int:
    """Keep `CustomerCare.overdue_amount` and `oldest_overdue_due` of these customers (None: every
    customer) — one aggregate, one upsert of those fields only, one reset of those no longer
    overdue. Returns how many customers are overdue."""
    day = on or today()
    overdue = overdue_instalments(day)
    care = CustomerCare.objects.all()
    if customer_ids is not None:
        ids = sorted({int(i) for i in customer_ids if i})
        if not ids:
            return 0
        overdue = overdue.filter(contract__customer_id__in=ids)
        care = care.filter(customer_id__in=ids)
    rows = list(
        overdue.values(customer=F("contract__customer_id")).annotate(
            total=Sum(F("amount") - F("received"), output_field=MONEY), oldest=Min("due_date")
        )
    )
    now = timezone.now()
    if rows:
        CustomerCare.objects.bulk_create(
            [
                CustomerCare(
                    customer_id=r["customer"],
                    overdue_amount=r["total"],
                    oldest_overdue_due=r["oldest"],
                    updated_at=now,
                )
                for r in rows
            ],
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["overdue_amount", "oldest_overdue_due", "updated_at"],
            batch_size=1000,
        )
    care.filter(Q(overdue_amount__gt=0) | Q(oldest_overdue_due__isnull=False)).exclude(
        customer_id__in=Subquery(overdue.values("contract__customer_id"))
    ).update(overdue_amount=ZERO, oldest_overdue_due=None, updated_at=now)
    return len(rows)
