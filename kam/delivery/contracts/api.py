"""Contracts over JSON: the list, one contract, creating (from a won deal or standalone), edits
and every action with If-Match (428 without, 412 if stale), amendments, attachments (upload as
multipart, download checked against visibility) and the history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from kam.access.visibility import get_visible_contract, get_visible_customer, get_visible_opportunity
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    RuleViolationOut,
    expected_version,
    refuse_nulls,
    set_etag,
)
from kam.core.web import current_user
from kam.delivery.contracts import selectors, services
from kam.delivery.contracts.schemas import (
    ContractAmendmentIn,
    ContractAmendmentOut,
    ContractApprovalOut,
    ContractAttachmentOut,
    ContractCreateIn,
    ContractFiltersIn,
    ContractHistoryOut,
    ContractListOut,
    ContractOut,
    ContractPrefillOut,
    ContractStatusIn,
    ContractSummaryOut,
    ContractUpdateIn,
)
from kam.delivery.models import Contract, ContractAttachment
from kam.opportunities.models import Opportunity
from kam.org.models import User

router = Router(tags=["Contracts"])

CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: RuleViolationOut}


def _person(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    person = User.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ValidationError({field: [_("Unknown user.")]})
    return person


def _contract(request: HttpRequest, contract_id: int) -> Contract:
    return get_visible_contract(current_user(request), contract_id)


def _out(contract: Contract, response: HttpResponse) -> dict[str, Any]:
    contract = Contract.objects.select_related("customer", "owner", "created_by").get(pk=contract.pk)
    details = selectors.detail(contract)
    set_etag(response, contract.version)
    return ContractOut.build(
        contract,
        allowed_moves=services.allowed_moves(contract),
        editable_fields=sorted(services.EDITABLE[contract.status]),
        approval=ContractApprovalOut.build(details["approval"]),
        amendments=[ContractAmendmentOut.build(a) for a in details["amendments"]],
        attachments=[ContractAttachmentOut.build(a) for a in details["attachments"]],
    )


# Reads -------------------------------------------------------------------------------------------


@router.get("/contracts", response={200: ContractListOut, **LIST_ERRORS})
def list_contracts(request: HttpRequest, filters: Query[ContractFiltersIn]) -> dict[str, Any]:
    """The contracts you may see (their customer's visibility; owners and project managers see theirs)."""
    qs = selectors.contract_list(
        current_user(request),
        selectors.ContractFilters(
            status=filters.status or "",
            customer=filters.customer,
            owner=filters.owner,
            year=filters.year,
            q=(filters.q or "").strip(),
            sort=filters.sort,
        ),
    )
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    return {"items": [ContractSummaryOut.build(c) for c in page], "count": count}


@router.get(
    "/contracts/prefill/{int:opportunity_id}",
    response={200: ContractPrefillOut, **READ_ERRORS},
)
def contract_prefill(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    """What a contract from this deal starts with; for an open or lost deal `allowed` is false
    and `refusal` says why (creating one is then refused with 409)."""
    deal = get_visible_opportunity(
        current_user(request),
        opportunity_id,
        queryset=Opportunity.objects.select_related("customer", "owner"),
    )
    refusal = services.won_refusal(deal)
    values = services.prefill(deal)
    return {
        "allowed": refusal is None,
        "refusal": refusal,
        "customer": {"id": deal.customer_id, "name": deal.customer.name},
        "opportunity": deal.pk,
        "title": values["title"],
        "amount": values["amount"],
        "owner": {"id": deal.owner_id, "name": str(deal.owner)},
        "sign_date": values["sign_date"],
    }


@router.get("/contracts/{int:contract_id}", response={200: ContractOut, **READ_ERRORS})
def get_contract(request: HttpRequest, response: HttpResponse, contract_id: int) -> dict[str, Any]:
    """One contract with its approval, amendments and attachments; the ETag is its version."""
    return _out(_contract(request, contract_id), response)


@router.get("/contracts/{int:contract_id}/history", response={200: list[ContractHistoryOut], **READ_ERRORS})
def contract_history(request: HttpRequest, contract_id: int) -> list[dict[str, Any]]:
    """Every change of the contract, newest first ({field: [old, new]})."""
    return [ContractHistoryOut.build(line) for line in selectors.history(_contract(request, contract_id))]


# Writes ------------------------------------------------------------------------------------------


@router.post("/contracts", response={201: ContractOut, **CREATE_ERRORS})
def create_contract(request: HttpRequest, response: HttpResponse, payload: ContractCreateIn) -> Status:
    """A draft contract. With `opportunity` (a won deal) the fields left out are prefilled from it;
    an open or lost deal is refused (409). Without it, `customer`, `title` and `amount` are needed."""
    user = current_user(request)
    values = payload.dict(exclude={"customer", "opportunity", "owner"}, exclude_unset=True)
    owner = _person(payload.owner, "owner")
    if owner is not None:
        values["owner"] = owner
    if payload.opportunity is not None:
        deal = get_visible_opportunity(
            user, payload.opportunity, queryset=Opportunity.objects.select_related("customer", "owner")
        )
        if payload.customer is not None and payload.customer != deal.customer_id:
            raise ValidationError({"customer": [_("The opportunity belongs to another customer.")]})
        contract = services.create_from_opportunity(deal, by=user, **values)
    else:
        if payload.customer is None:
            raise ValidationError({"customer": [_("Name the customer (or a won opportunity).")]})
        customer = get_visible_customer(user, payload.customer)
        values.setdefault("title", "")
        values.setdefault("amount", None)
        contract = services.create_contract(by=user, customer=customer, **values)
    return Status(201, _out(contract, response))


@router.patch("/contracts/{int:contract_id}", response={200: ContractOut, **VERSIONED_WRITE_ERRORS})
def update_contract(
    request: HttpRequest, response: HttpResponse, contract_id: int, payload: ContractUpdateIn
) -> dict[str, Any]:
    """Change the fields the status still allows (`editable_fields`). Needs If-Match."""
    user = current_user(request)
    contract = _contract(request, contract_id)
    version = expected_version(request, contract.version)
    changes = payload.dict(exclude_unset=True)
    refuse_nulls(
        changes, ("title", "amount", "owner", "our_party", "customer_party", "payment_terms", "notes")
    )
    if "owner" in changes:
        changes["owner"] = _person(changes["owner"], "owner")
    services.update_contract(contract, by=user, version=version, **changes)
    return _out(contract, response)


@router.post("/contracts/{int:contract_id}/submit", response={200: ContractOut, **VERSIONED_WRITE_ERRORS})
def submit_contract(request: HttpRequest, response: HttpResponse, contract_id: int) -> dict[str, Any]:
    """Send a draft for approval on the `contract` flow (approved: signed). Needs If-Match."""
    contract = _contract(request, contract_id)
    version = expected_version(request, contract.version)
    services.submit_for_approval(contract, by=current_user(request), version=version)
    return _out(contract, response)


@router.post("/contracts/{int:contract_id}/withdraw", response={200: ContractOut, **VERSIONED_WRITE_ERRORS})
def withdraw_contract(request: HttpRequest, response: HttpResponse, contract_id: int) -> dict[str, Any]:
    """The submitter takes a contract awaiting approval back to draft. Needs If-Match."""
    contract = _contract(request, contract_id)
    version = expected_version(request, contract.version)
    services.withdraw_approval(contract, by=current_user(request), version=version)
    return _out(contract, response)


@router.post("/contracts/{int:contract_id}/status", response={200: ContractOut, **VERSIONED_WRITE_ERRORS})
def change_contract_status(
    request: HttpRequest, response: HttpResponse, contract_id: int, payload: ContractStatusIn
) -> dict[str, Any]:
    """Signed → in force → completed; signed or in force → terminated (`reason` required). Needs If-Match."""
    contract = _contract(request, contract_id)
    version = expected_version(request, contract.version)
    services.change_status(
        contract, by=current_user(request), to=payload.to, reason=payload.reason, version=version
    )
    return _out(contract, response)


@router.post("/contracts/{int:contract_id}/amendments", response={201: ContractOut, **VERSIONED_WRITE_ERRORS})
def add_contract_amendment(
    request: HttpRequest, response: HttpResponse, contract_id: int, payload: ContractAmendmentIn
) -> Status:
    """An amendment of a signed or in-force contract: its amount moves by `amount_change`. Needs If-Match."""
    contract = _contract(request, contract_id)
    version = expected_version(request, contract.version)
    services.add_amendment(
        contract,
        by=current_user(request),
        amount_change=payload.amount_change,
        reason=payload.reason,
        signed_on=payload.signed_on,
        version=version,
    )
    return Status(201, _out(contract, response))


# Attachments -------------------------------------------------------------------------------------


@router.post(
    "/contracts/{int:contract_id}/attachments", response={201: ContractAttachmentOut, **WRITE_ERRORS}
)
def upload_contract_attachment(request: HttpRequest, contract_id: int, file: File[UploadedFile]) -> Status:
    """Attach a file (multipart/form-data, field `file`); size and type limits apply (422)."""
    contract = _contract(request, contract_id)
    attachment = services.add_attachment(contract, by=current_user(request), upload=file)
    attachment = ContractAttachment.objects.select_related("uploaded_by").get(pk=attachment.pk)
    return Status(201, ContractAttachmentOut.build(attachment))


def _attachment(request: HttpRequest, contract_id: int, attachment_id: int) -> ContractAttachment:
    contract = _contract(request, contract_id)
    attachment = ContractAttachment.objects.filter(pk=attachment_id, contract=contract).first()
    if attachment is None:
        raise Http404
    attachment.contract = contract
    return attachment


@router.get(
    "/contracts/{int:contract_id}/attachments/{int:attachment_id}", response={200: None, **READ_ERRORS}
)
def download_contract_attachment(request: HttpRequest, contract_id: int, attachment_id: int) -> FileResponse:
    """The file itself, for whoever may see the contract."""
    attachment = _attachment(request, contract_id, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.delete(
    "/contracts/{int:contract_id}/attachments/{int:attachment_id}", response={204: None, **READ_ERRORS}
)
def delete_contract_attachment(request: HttpRequest, contract_id: int, attachment_id: int) -> Status:
    """Delete an attachment (its file goes once the deletion is committed; the history keeps its name)."""
    attachment = _attachment(request, contract_id, attachment_id)
    services.delete_attachment(attachment, by=current_user(request))
    return Status(204, None)
