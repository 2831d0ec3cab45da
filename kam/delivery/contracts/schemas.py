"""Contracts over JSON: inputs refuse unknown fields; outputs name people and customers by ref."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.core.money import MONEY_DIGITS
from kam.delivery.contracts.selectors import HistoryLine
from kam.delivery.models import Contract, ContractAmendment, ContractAttachment
from kam.planning.approvals.models import ApprovalRequest

Money = Annotated[Decimal, Field(ge=0, max_digits=MONEY_DIGITS, decimal_places=2)]
Change = Annotated[Decimal, Field(max_digits=MONEY_DIGITS, decimal_places=2)]
StatusChoice = Literal["draft", "in_approval", "signed", "in_force", "completed", "terminated"]
MoveChoice = Literal["in_force", "completed", "terminated"]
SortChoice = Literal[
    "number",
    "-number",
    "sign_date",
    "-sign_date",
    "amount",
    "-amount",
    "title",
    "-title",
    "customer",
    "-customer",
    "status",
    "-status",
    "updated",
    "-updated",
]
Title = Annotated[str, Field(max_length=200)]
Party = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]


class ContractFiltersIn(TextSafeSchema):
    status: StatusChoice | None = None
    customer: Id | None = None
    owner: Id | None = Field(None, description="Only contracts this user owns.")
    year: int | None = Field(None, ge=1900, le=2999, description="The year of the sign date.")
    q: str | None = Field(
        None, max_length=100, description="In the number, the title or the customer's name."
    )
    sort: SortChoice = "-sign_date"
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class ContractCreateIn(InputSchema):
    customer: Id | None = Field(None, description="Required unless `opportunity` names a won deal.")
    opportunity: Id | None = Field(
        None,
        description="A won deal: the contract is prefilled from it (customer, title, amount, owner, sign date).",
    )
    title: Title | None = None
    amount: Money | None = None
    owner: Id | None = None
    sign_date: dt.date | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    our_party: Party = ""
    customer_party: Party = ""
    payment_terms: LongText = ""
    notes: LongText = ""


class ContractUpdateIn(InputSchema):
    title: Title | None = None
    amount: Money | None = None
    owner: Id | None = None
    sign_date: dt.date | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    our_party: Party | None = None
    customer_party: Party | None = None
    payment_terms: LongText | None = None
    notes: LongText | None = None


class ContractStatusIn(InputSchema):
    to: MoveChoice
    reason: LongText = ""


class ContractAmendmentIn(InputSchema):
    amount_change: Change = Field(..., description="Negative for a reduction.")
    reason: LongText
    signed_on: dt.date | None = Field(None, description="Today when left out.")


class ContractAmendmentOut(Schema):
    id: int
    signed_on: dt.date
    amount_change: Decimal
    reason: str
    created_by: Ref | None

    @staticmethod
    def build(a: ContractAmendment) -> dict[str, Any]:
        return {
            "id": a.pk,
            "signed_on": a.signed_on,
            "amount_change": a.amount_change,
            "reason": a.reason,
            "created_by": user_ref(a.created_by),
        }


class ContractAttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    uploaded_at: dt.datetime
    uploaded_by: Ref | None
    download: str = Field(..., description="The file's address in the API (visibility checked).")

    @staticmethod
    def build(a: ContractAttachment) -> dict[str, Any]:
        return {
            "id": a.pk,
            "name": a.name,
            "size": a.size,
            "content_type": a.content_type,
            "uploaded_at": a.uploaded_at,
            "uploaded_by": user_ref(a.uploaded_by),
            "download": f"/api/v1/delivery/contracts/{a.contract_id}/attachments/{a.pk}",
        }


class ContractApprovalOut(Schema):
    id: int
    status: str
    current_step: str | None

    @staticmethod
    def build(request: ApprovalRequest | None) -> dict[str, Any] | None:
        if request is None:
            return None
        step = request.current_step
        return {
            "id": request.pk,
            "status": request.status,
            "current_step": step.display_name if step else None,
        }


class ContractHistoryOut(Schema):
    at: dt.datetime
    by: Ref | None
    record: str
    action: str
    summary: str
    changes: dict[str, Any]

    @staticmethod
    def build(line: HistoryLine) -> dict[str, Any]:
        c = line.change
        return {
            "at": c.changed_at,
            "by": user_ref(c.changed_by),
            "record": c.record,
            "action": c.action,
            "summary": c.summary,
            "changes": c.changes,
        }


class ContractSummaryOut(Schema):
    id: int
    number: str
    title: str
    customer: Ref
    opportunity: int | None
    owner: Ref
    status: str
    amount: Decimal
    sign_date: dt.date | None
    version: int

    @staticmethod
    def build(c: Contract) -> dict[str, Any]:
        return {
            "id": c.pk,
            "number": c.number,
            "title": c.title,
            "customer": {"id": c.customer_id, "name": c.customer.name},
            "opportunity": c.opportunity_id,
            "owner": user_ref(c.owner),
            "status": c.status,
            "amount": c.amount,
            "sign_date": c.sign_date,
            "version": c.version,
        }


class ContractListOut(Schema):
    items: list[ContractSummaryOut]
    count: int


class ContractOut(ContractSummaryOut):
    starts_on: dt.date | None
    ends_on: dt.date | None
    our_party: str
    customer_party: str
    payment_terms: str
    notes: str
    terminated_reason: str
    allowed_moves: list[str]
    editable_fields: list[str]
    approval: ContractApprovalOut | None
    amendments: list[ContractAmendmentOut]
    attachments: list[ContractAttachmentOut]
    created_by: Ref | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def build(c: Contract, **extra: Any) -> dict[str, Any]:  # type: ignore[override]
        return {
            **ContractSummaryOut.build(c),
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "our_party": c.our_party,
            "customer_party": c.customer_party,
            "payment_terms": c.payment_terms,
            "notes": c.notes,
            "terminated_reason": c.terminated_reason,
            "created_by": ref(c.created_by),
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            **extra,
        }


class ContractPrefillOut(Schema):
    allowed: bool = Field(..., description="Whether the deal may become a contract (it is won).")
    refusal: str | None = Field(None, description="Why not, for an open or lost deal.")
    customer: Ref
    opportunity: int
    title: str
    amount: Decimal | None
    owner: Ref
    sign_date: dt.date | None
