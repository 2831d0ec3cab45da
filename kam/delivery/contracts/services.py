"""Contract writes: from a won deal or standalone, versioned edits, the approval on the `contract`
flow, the status flow, amendments and attachments. Every write appends a `DeliveryChange`."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ConflictError, RuleViolation
from kam.core.versioning import versioned_update
from kam.customers.models import Customer
from kam.delivery import history
from kam.delivery.models import (
    Contract,
    ContractAmendment,
    ContractAttachment,
    ContractStatus,
)
from kam.delivery.numbering import contract_pattern, next_number
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalRequest, ApprovalStatus

RECORD = "contract"
FLOW_CODE = "contract"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "png", "jpg", "jpeg", "zip")

TERMS = ("starts_on", "ends_on", "our_party", "customer_party", "payment_terms", "notes")
FIELDS = ("title", "owner", "amount", "sign_date", *TERMS)

# What may still change in each status: the amount only before the approvers see it (after the
# signature it moves by amendments), the sign date until signed, the notes always.
EDITABLE: dict[str, frozenset[str]] = {
    ContractStatus.DRAFT: frozenset(FIELDS),
    ContractStatus.IN_APPROVAL: frozenset(FIELDS) - {"amount"},
    ContractStatus.SIGNED: frozenset(FIELDS) - {"amount", "sign_date"},
    ContractStatus.IN_FORCE: frozenset(FIELDS) - {"amount", "sign_date"},
    ContractStatus.COMPLETED: frozenset({"notes"}),
    ContractStatus.TERMINATED: frozenset({"notes"}),
}

# The status moves a user makes by hand; draft → in approval → signed go through the approval.
MOVES: dict[str, frozenset[str]] = {
    ContractStatus.SIGNED: frozenset({ContractStatus.IN_FORCE, ContractStatus.TERMINATED}),
    ContractStatus.IN_FORCE: frozenset({ContractStatus.COMPLETED, ContractStatus.TERMINATED}),
}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "KAM_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def attachment_types() -> tuple[str, ...]:
    return tuple(t.lower().lstrip(".") for t in getattr(settings, "KAM_ATTACHMENT_TYPES", DEFAULT_TYPES))


def _values(contract: Contract) -> dict[str, Any]:
    return {name: getattr(contract, "owner_id" if name == "owner" else name) for name in FIELDS}


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("title") or "").strip():
        errors["title"] = [_("Give the contract a title.")]
    amount = values.get("amount")
    if amount is None:
        errors["amount"] = [_("Enter the contract's amount.")]
    elif amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = [_("The term cannot end before it starts.")]
    if values.get("owner") is None:
        errors["owner"] = [_("Name the contract's owner.")]
    if errors:
        raise ValidationError(errors)


def field_label(name: str) -> str:
    return str(getattr(Contract._meta.get_field(name), "verbose_name", name))


def _reload(contract: Contract, expected: int) -> Contract:
    """The row as it stands, locked for this transaction; a stale version is a conflict."""
    fresh = Contract.objects.select_for_update().get(pk=contract.pk)
    if fresh.version != expected:
        raise ConflictError(current_version=fresh.version)
    return fresh


def _sync(stale: Contract, fresh: Contract) -> None:
    for field in Contract._meta.concrete_fields:
        setattr(stale, field.attname, getattr(fresh, field.attname))


def _log(contract: Contract, action: str, by: User | None, summary: str = "", changes: Any = None) -> None:
    history.record(
        customer=contract.customer_id,
        record=RECORD,
        record_id=contract.pk,
        action=action,
        by=by,
        summary=summary,
        changes=changes,
        contract=contract.pk,
    )


# Creating ----------------------------------------------------------------------------------------


def won_refusal(opportunity: Opportunity) -> str | None:
    """Why this deal cannot become a contract, or None when it can."""
    if opportunity.status == OpportunityStatus.OPEN:
        return _("The opportunity is still open: a contract is made from a won deal. Close it as won first.")
    if opportunity.status != OpportunityStatus.WON:
        return _("The opportunity was not won (%(status)s): only a won deal becomes a contract.") % {
            "status": opportunity.get_status_display()
        }
    return None


def prefill(opportunity: Opportunity) -> dict[str, Any]:
    """A new contract's fields as the won deal gives them."""
    closed = timezone.localtime(opportunity.closed_at).date() if opportunity.closed_at else None
    return {
        "customer": opportunity.customer,
        "opportunity": opportunity,
        "title": opportunity.name,
        "amount": opportunity.amount if opportunity.amount is not None else opportunity.sort_amount,
        "owner": opportunity.owner,
        "sign_date": closed or opportunity.sign_date,
    }


@transaction.atomic
def create_contract(
    *,
    by: User,
    customer: Customer,
    title: str,
    amount: Decimal | None,
    owner: User | None = None,
    opportunity: Opportunity | None = None,
    sign_date: dt.date | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    our_party: str = "",
    customer_party: str = "",
    payment_terms: str = "",
    notes: str = "",
) -> Contract:
    """A draft contract for `customer`, numbered from the contract pattern. With `opportunity`, the
    deal must be won and be this customer's."""
    if opportunity is not None:
        refusal = won_refusal(opportunity)
        if refusal:
            raise RuleViolation(refusal, {"opportunity": [refusal]})
        if opportunity.customer_id != customer.pk:
            message = _("The opportunity belongs to another customer.")
            raise RuleViolation(message, {"opportunity": [message]})
    owner = owner or by
    values = {
        "title": (title or "").strip(),
        "owner": owner,
        "amount": amount,
        "sign_date": sign_date,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "our_party": our_party.strip(),
        "customer_party": customer_party.strip(),
        "payment_terms": payment_terms.strip(),
        "notes": notes.strip(),
    }
    _validate(values)
    contract = Contract.objects.create(
        number=next_number(contract_pattern()),
        customer=customer,
        opportunity=opportunity,
        created_by=by,
        **values,
    )
    _log(
        contract,
        "created",
        by,
        _("Contract %(number)s created from the won deal %(deal)s.")
        % {"number": contract.number, "deal": opportunity.name}
        if opportunity
        else _("Contract %(number)s created.") % {"number": contract.number},
        {k: [None, v] for k, v in _values(contract).items() if v not in (None, "")},
    )
    return contract


def create_from_opportunity(opportunity: Opportunity, *, by: User, **overrides: Any) -> Contract:
    """A contract prefilled from the won deal; `overrides` replace any prefilled field."""
    refusal = won_refusal(opportunity)
    if refusal:
        raise RuleViolation(refusal, {"opportunity": [refusal]})
    values = {**prefill(opportunity), **overrides}
    return create_contract(by=by, **values)


# Editing -----------------------------------------------------------------------------------------


@transaction.atomic
def update_contract(contract: Contract, *, by: User, version: int | None = None, **changes: Any) -> Contract:
    """Change the fields the contract's status still allows (the others are refused by name)."""
    expected = contract.version if version is None else version
    fresh = _reload(contract, expected)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    allowed = EDITABLE[fresh.status]
    before = _values(fresh)
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    frozen = sorted(
        name
        for name, value in changes.items()
        if name not in allowed and (value.pk if isinstance(value, User) else value) != before[name]
    )
    if frozen:
        message = _("A contract that is %(status)s no longer takes changes to: %(fields)s.") % {
            "status": fresh.get_status_display().lower(),
            "fields": ", ".join(field_label(n) for n in frozen),
        }
        if "amount" in frozen and fresh.status != ContractStatus.IN_APPROVAL:
            message += " " + _("Record an amendment to change the amount of a signed contract.")
        raise RuleViolation(message, {name: [message] for name in frozen})
    merged = {**{n: getattr(fresh, n) for n in FIELDS}, **changes}
    _validate(merged)
    versioned_update(fresh, expected, **changes)
    after = _values(fresh)
    diff = history.diff(before, after)
    if diff:
        _log(fresh, "updated", by, _("Contract edited."), diff)
    _sync(contract, fresh)
    return contract


# The approval ------------------------------------------------------------------------------------


@transaction.atomic
def submit_for_approval(contract: Contract, *, by: User, version: int | None = None) -> Contract:
    """Send a draft to the `contract` approval flow; it is signed when the flow approves it."""
    expected = contract.version if version is None else version
    fresh = _reload(contract, expected)
    if fresh.status != ContractStatus.DRAFT:
        raise RuleViolation(_("Only a draft contract can be sent for approval."))
    if not fresh.amount:
        message = _("Enter the contract's amount before sending it for approval.")
        raise RuleViolation(message, {"amount": [message]})
    request = approvals.submit(
        fresh,
        flow_code=FLOW_CODE,
        by=by,
        title=_("Contract %(number)s: %(title)s") % {"number": fresh.number, "title": fresh.title},
    )
    versioned_update(fresh, expected, status=ContractStatus.IN_APPROVAL, approval=request)
    _log(
        fresh,
        "submitted",
        by,
        _("Sent for approval."),
        {"status": [ContractStatus.DRAFT, ContractStatus.IN_APPROVAL]},
    )
    _sync(contract, fresh)
    return contract


@transaction.atomic
def withdraw_approval(contract: Contract, *, by: User, version: int | None = None) -> Contract:
    """Take a contract awaiting approval back to draft (the request stays as withdrawn)."""
    expected = contract.version if version is None else version
    fresh = _reload(contract, expected)
    request = ApprovalRequest.objects.filter(pk=fresh.approval_id).first() if fresh.approval_id else None
    if fresh.status != ContractStatus.IN_APPROVAL or request is None:
        raise RuleViolation(_("Only a contract awaiting approval can be withdrawn."))
    approvals.withdraw(request, by=by)
    versioned_update(fresh, expected, status=ContractStatus.DRAFT)
    _log(
        fresh,
        "withdrawn",
        by,
        _("Approval request withdrawn."),
        {"status": [ContractStatus.IN_APPROVAL, ContractStatus.DRAFT]},
    )
    _sync(contract, fresh)
    return contract


def on_decided(request: ApprovalRequest) -> None:
    """The approvals engine's outcome, inside its transaction: approved → signed, rejected → draft
    with the approver's comment in the history."""
    contract = Contract.objects.select_for_update().filter(pk=request.target_id).first()
    if (
        contract is None
        or contract.approval_id != request.pk
        or contract.status != ContractStatus.IN_APPROVAL
    ):
        return  # an older request: its outcome no longer speaks for the contract
    last = request.decisions.select_related("approver").order_by("-at", "-id").first()
    by = last.approver if last else None
    comment = last.comment if last else ""
    if request.status == ApprovalStatus.APPROVED:
        changes: dict[str, Any] = {"status": ContractStatus.SIGNED}
        if contract.sign_date is None:
            changes["sign_date"] = timezone.localdate()
        before = _values(contract) | {"status": contract.status}
        versioned_update(contract, contract.version, **changes)
        summary = _("Approved: the contract is signed.")
        if comment:
            summary += " " + _("Comment: %(comment)s") % {"comment": comment}
        _log(
            contract,
            "approved",
            by,
            summary,
            history.diff(before, _values(contract) | {"status": contract.status}),
        )
    elif request.status == ApprovalStatus.REJECTED:
        versioned_update(contract, contract.version, status=ContractStatus.DRAFT)
        summary = _("Rejected: back to draft.")
        if comment:
            summary += " " + _("Comment: %(comment)s") % {"comment": comment}
        _log(
            contract,
            "rejected",
            by,
            summary,
            {"status": [ContractStatus.IN_APPROVAL, ContractStatus.DRAFT], "comment": ["", comment]},
        )


# The status flow ---------------------------------------------------------------------------------


def allowed_moves(contract: Contract) -> list[str]:
    order = [ContractStatus.IN_FORCE, ContractStatus.COMPLETED, ContractStatus.TERMINATED]
    return [s for s in order if s in MOVES.get(contract.status, frozenset())]


@transaction.atomic
def change_status(
    contract: Contract, *, by: User, to: str, reason: str = "", version: int | None = None
) -> Contract:
    """Signed → in force → completed; signed or in force → terminated (with a reason)."""
    expected = contract.version if version is None else version
    fresh = _reload(contract, expected)
    if to not in ContractStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if to not in MOVES.get(fresh.status, frozenset()):
        message = _("A contract that is %(current)s cannot become %(target)s.") % {
            "current": fresh.get_status_display().lower(),
            "target": ContractStatus(to).label.lower(),
        }
        raise RuleViolation(message, {"status": [message]})
    changes: dict[str, Any] = {"status": to}
    reason = (reason or "").strip()
    if to == ContractStatus.TERMINATED:
        if not reason:
            raise ValidationError({"reason": [_("Give the reason for terminating the contract.")]})
        changes["terminated_reason"] = reason
    old = fresh.status
    versioned_update(fresh, expected, **changes)
    summary = {
        ContractStatus.IN_FORCE: _("The contract is in force."),
        ContractStatus.COMPLETED: _("The contract is completed."),
        ContractStatus.TERMINATED: _("The contract was terminated: %(reason)s") % {"reason": reason},
    }[ContractStatus(to)]
    diff: dict[str, Any] = {"status": [old, to]}
    if reason:
        diff["terminated_reason"] = ["", reason]
    _log(fresh, to, by, summary, diff)
    _sync(contract, fresh)
    return contract


# Amendments --------------------------------------------------------------------------------------


@transaction.atomic
def add_amendment(
    contract: Contract,
    *,
    by: User,
    amount_change: Decimal | None,
    reason: str,
    signed_on: dt.date | None = None,
    version: int | None = None,
) -> ContractAmendment:
    """A signed change of scope: the contract's amount moves by `amount_change` (negative lowers it)."""
    expected = contract.version if version is None else version
    fresh = _reload(contract, expected)
    if fresh.status not in (ContractStatus.SIGNED, ContractStatus.IN_FORCE):
        raise RuleViolation(_("Only a signed or in-force contract takes amendments; edit a draft directly."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Give the reason for the amendment.")]
    if amount_change is None:
        errors["amount_change"] = [_("Enter the change of amount (negative for a reduction).")]
    elif amount_change == 0:
        errors["amount_change"] = [_("An amendment changes the amount: enter a change other than zero.")]
    elif fresh.amount + amount_change < 0:
        errors["amount_change"] = [
            _("The reduction is larger than the contract's amount (%(amount)s).") % {"amount": fresh.amount}
        ]
    if errors:
        raise ValidationError(errors)
    assert amount_change is not None
    old_amount = fresh.amount
    amendment = ContractAmendment.objects.create(
        contract=fresh,
        signed_on=signed_on or timezone.localdate(),
        amount_change=amount_change,
        reason=reason,
        created_by=by,
    )
    versioned_update(fresh, expected, amount=old_amount + amount_change)
    _log(
        fresh,
        "amended",
        by,
        _("Amendment %(change)s: %(reason)s") % {"change": f"{amount_change:+}", "reason": reason},
        {"amount": [old_amount, fresh.amount]},
    )
    _sync(contract, fresh)
    return amendment


# Attachments -------------------------------------------------------------------------------------


# How each accepted type's content starts: a renamed executable is refused, not stored as a "pdf".
# Word and Excel files are OLE compound files (.doc, .xls) or zip packages (.docx, .xlsx).
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "zip": _ZIP,
    "docx": _ZIP,
    "xlsx": _ZIP,
    "doc": (_OLE,),
    "xls": (_OLE,),
}


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return head if isinstance(head, bytes) else b""


def check_upload(upload: UploadedFile) -> None:
    """Size and type against the settings, with messages that say the limits."""
    name = os.path.basename(upload.name or "")
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    allowed = attachment_types()
    limit = max_attachment_bytes()
    if not name:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    if extension not in allowed:
        raise ValidationError(
            {
                "file": [
                    _("Files of type “%(type)s” are not accepted; allowed: %(allowed)s.")
                    % {"type": extension or _("none"), "allowed": ", ".join(allowed)}
                ]
            }
        )
    if (upload.size or 0) > limit:
        raise ValidationError(
            {
                "file": [
                    _("The file is %(size)s MB; the limit is %(limit)s MB.")
                    % {"size": f"{(upload.size or 0) / 1048576:.1f}", "limit": f"{limit / 1048576:g}"}
                ]
            }
        )
    if not upload.size:
        raise ValidationError({"file": [_("The file is empty.")]})
    signatures = SIGNATURES.get(extension)
    if signatures and not _head(upload).startswith(signatures):
        raise ValidationError(
            {
                "file": [
                    _("The file's content is not a %(type)s file: check that it is not renamed.")
                    % {"type": extension.upper()}
                ]
            }
        )


@transaction.atomic
def add_attachment(contract: Contract, *, by: User, upload: UploadedFile) -> ContractAttachment:
    check_upload(upload)
    name = os.path.basename(upload.name or "")[:200]
    attachment = ContractAttachment(
        contract=contract,
        name=name,
        size=upload.size or 0,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=by,
    )
    attachment.file.save(name, upload, save=False)
    # A failed insert must not leave the stored file behind.
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    _log(
        contract,
        "attached",
        by,
        _("Attachment added: %(name)s") % {"name": name},
        {"attachment": [None, name]},
    )
    return attachment


@transaction.atomic
def delete_attachment(attachment: ContractAttachment, *, by: User) -> None:
    contract = attachment.contract
    name = attachment.name
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    # The file goes only once the row's deletion is committed.
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)
    _log(
        contract,
        "detached",
        by,
        _("Attachment deleted: %(name)s") % {"name": name},
        {"attachment": [name, None]},
    )
