"""API shapes of payment plans, payments, invoices and receivables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema
from kam.delivery.models import Instalment, Invoice, Payment

Money = Decimal


class InstalmentOut(Schema):
    id: int
    contract: int
    order: int
    name: str
    amount: Money
    percentage: Decimal | None = Field(None, description="Set when the amount follows the contract's amount.")
    due_date: dt.date
    condition: str
    received: Money
    invoiced: Money
    outstanding: Money
    paid_on: dt.date | None
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")

    @staticmethod
    def build(inst: Instalment) -> dict[str, Any]:
        return {
            "id": inst.pk,
            "contract": inst.contract_id,
            "order": inst.order,
            "name": inst.name,
            "amount": inst.amount,
            "percentage": inst.percentage,
            "due_date": inst.due_date,
            "condition": inst.condition,
            "received": inst.received,
            "invoiced": inst.invoiced,
            "outstanding": inst.outstanding,
            "paid_on": inst.paid_on,
            "version": inst.version,
        }


class AllocationOut(Schema):
    instalment: int
    amount: Money


class PaymentOut(Schema):
    id: int
    contract: int
    received_on: dt.date
    amount: Money
    reference: str
    notes: str
    allocations: list[AllocationOut]

    @staticmethod
    def build(payment: Payment) -> dict[str, Any]:
        return {
            "id": payment.pk,
            "contract": payment.contract_id,
            "received_on": payment.received_on,
            "amount": payment.amount,
            "reference": payment.reference,
            "notes": payment.notes,
            "allocations": [
                {"instalment": a.instalment_id, "amount": a.amount} for a in payment.allocations.all()
            ],
        }


class InvoiceOut(Schema):
    id: int
    contract: int
    number: str
    issued_on: dt.date
    amount: Money
    instalment: int | None

    @staticmethod
    def build(invoice: Invoice) -> dict[str, Any]:
        return {
            "id": invoice.pk,
            "contract": invoice.contract_id,
            "number": invoice.number,
            "issued_on": invoice.issued_on,
            "amount": invoice.amount,
            "instalment": invoice.instalment_id,
        }


class ReceivableFiguresOut(Schema):
    contracted: Money
    planned: Money
    invoiced: Money
    received: Money
    outstanding: Money = Field(..., description="What the payment plans still expect.")
    overdue: Money = Field(..., description="Outstanding of instalments due before today.")
    aging: dict[str, Money] = Field(
        ..., description="Overdue outstanding by days past due: 0_30, 31_60, 61_90, over_90."
    )
    revenue_90: Money = Field(..., description="Amount of the contracts signed in the last 90 days.")
    dso: Decimal | None = Field(
        None, description="Receivables (outstanding due on or before today) ÷ revenue_90 × 90, in days."
    )


class ContractPaymentsOut(Schema):
    contract: int
    figures: ReceivableFiguresOut
    instalments: list[InstalmentOut]
    payments: list[PaymentOut]
    invoices: list[InvoiceOut]


class InstalmentIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    amount: Money | None = Field(None, gt=0, max_digits=16, decimal_places=2)
    percentage: Decimal | None = Field(None, gt=0, le=100, max_digits=5, decimal_places=2)
    due_date: dt.date
    condition: str = Field("", max_length=300)


class InstalmentUpdateIn(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    amount: Money | None = Field(None, gt=0, max_digits=16, decimal_places=2)
    percentage: Decimal | None = Field(None, gt=0, le=100, max_digits=5, decimal_places=2)
    due_date: dt.date | None = None
    condition: str | None = Field(None, max_length=300)


class AllocationIn(InputSchema):
    instalment: Id
    amount: Money = Field(..., gt=0, max_digits=16, decimal_places=2)


class PaymentIn(InputSchema):
    amount: Money = Field(..., gt=0, max_digits=16, decimal_places=2)
    received_on: dt.date
    reference: str = Field("", max_length=100)
    notes: str = Field("", max_length=300)
    allocations: list[AllocationIn] | None = Field(
        None, description="Amounts per instalment; left out: matched to the oldest open instalments first."
    )


class InvoiceIn(InputSchema):
    number: str = Field(..., min_length=1, max_length=60)
    issued_on: dt.date
    amount: Money = Field(..., gt=0, max_digits=16, decimal_places=2)
    instalment: Id | None = None


class ReceivableOut(Schema):
    instalment: InstalmentOut
    contract_number: str
    customer: int
    customer_name: str
    owner: int
    days_overdue: int
    bucket: str = Field(..., description="0_30, 31_60, 61_90, over_90, or empty when not overdue.")


class ReceivablesOut(Schema):
    count: int
    total_amount: Money
    total_received: Money
    total_outstanding: Money
    items: list[ReceivableOut]


class ForecastMonthOut(Schema):
    month: str = Field(..., description="YYYY-MM")
    amount: Money


class SummaryOut(Schema):
    figures: ReceivableFiguresOut
    overdue: Money = Field(..., description="The cash forecast's overdue, apart from the months.")
    forecast: list[ForecastMonthOut]
    breakdown: list[dict[str, Any]] = Field(
        default_factory=list, description="With group_by: the figures per contract, customer, owner or team."
    )
