"""Initiation writes: save the report, submit it to the `initiation` approval flow, withdraw it;
the outcome of the approval lands here (approved, or rejected with the approver's comment).

Whoever may see the opportunity may edit and submit its report (callers check visibility through
kam.access). A report is editable as a draft and again after a rejection; pending and approved
reports are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ConflictError, RuleViolation
from kam.core.versioning import versioned_update
from kam.opportunities.models import Opportunity, Stage
from kam.opportunities.services import update_opportunity
from kam.org.models import User
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalRequest, ApprovalStatus
from kam.planning.initiation import selectors
from kam.planning.initiation.models import (
    InitiationChange,
    InitiationChangeAction,
    InitiationReport,
    InitiationStatus,
)

FLOW_CODE = "initiation"
# The report's own fields, as a form or the API edits them.
FIELDS = (
    "background",
    "customer_needs",
    "our_solution",
    "product_line",
    "resources",
    "expense_budget",
    "gross_margin",
    "risks",
)
TEXT_MAX = 5000
# What a report must say before it goes to the approvers.
REQUIRED_TO_SUBMIT = ("background", "customer_needs", "our_solution", "expense_budget", "gross_margin")


def prefill(opportunity: Opportunity) -> dict[str, Any]:
    """A new report's values from what kam knows of the deal."""
    return {
        "background": "",
        "customer_needs": "",
        "our_solution": "",
        "product_line": opportunity.product_line,
        "resources": selectors.deal_team(opportunity),
        "expense_budget": opportunity.expense_budget,
        "gross_margin": opportunity.gross_margin,
        "risks": "",
    }


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name in FIELDS:
        value = values.get(name)
        if isinstance(value, str) and len(value) > TEXT_MAX:
            errors.setdefault(name, []).append(_("At most %(count)d characters.") % {"count": TEXT_MAX})
    margin = values.get("gross_margin")
    if margin is not None and not Decimal("-100") <= margin <= Decimal("100"):
        errors.setdefault("gross_margin", []).append(_("The gross margin is a percentage from -100 to 100."))
    budget = values.get("expense_budget")
    if budget is not None and budget < 0:
        errors.setdefault("expense_budget", []).append(_("The expense budget cannot be negative."))
    if len(values.get("product_line") or "") > 100:
        errors.setdefault("product_line", []).append(_("At most %(count)d characters.") % {"count": 100})
    if errors:
        raise ValidationError(errors)


def _record(
    report: InitiationReport, action: str, by: User | None, changes: dict | None = None, comment: str = ""
) -> None:
    InitiationChange.objects.create(
        report=report, action=action, changed_by=by, changes=changes or {}, comment=comment
    )


def _check_editable(report: InitiationReport) -> None:
    if report.status == InitiationStatus.PENDING:
        raise RuleViolation(_("The report is awaiting approval: withdraw it to change it."))
    if report.status == InitiationStatus.APPROVED:
        raise RuleViolation(_("The report is approved and no longer changes."))


@transaction.atomic
def save_report(
    opportunity: Opportunity, *, by: User, version: int | None, **changes: Any
) -> InitiationReport:
    """Create the deal's report (version None or 0: none exists yet, unset fields prefilled) or
    change the fields given on the version read."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    for name in ("background", "customer_needs", "our_solution", "resources", "risks", "product_line"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    report = InitiationReport.objects.filter(opportunity=opportunity).first()
    if report is None:
        if version:
            raise ConflictError(current_version=0)
        values = {**prefill(opportunity), **changes}
        _validate(values)
        report = InitiationReport.objects.create(opportunity=opportunity, created_by=by, **values)
        _record(report, InitiationChangeAction.CREATED, by)
        return report
    if not version:
        raise ConflictError(current_version=report.version)
    _check_editable(report)
    _validate({**{name: getattr(report, name) for name in FIELDS}, **changes})
    before = {name: getattr(report, name) for name in changes}
    versioned_update(report, version, updated_at=timezone.now(), **changes)
    diff = {
        name: [_json(before[name]), _json(changes[name])] for name in changes if before[name] != changes[name]
    }
    if diff:
        _record(report, InitiationChangeAction.EDITED, by, diff)
    return report


def _missing_to_submit(report: InitiationReport, opportunity: Opportunity) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in REQUIRED_TO_SUBMIT:
        value = getattr(report, name)
        if value is None or value == "":
            errors[name] = [_("Fill this in before submitting the report.")]
    if not opportunity.is_complete:
        errors["__all__"] = [
            _(
                "The deal's four elements are incomplete (name, amount, expected sign date): complete the deal first."
            )
        ]
    return errors


@transaction.atomic
def submit_report(report: InitiationReport, *, by: User, version: int | None = None) -> InitiationReport:
    """Store the deal's four elements, competitors and chain as they stand and open an approval
    request on the `initiation` flow. Refused while pending or once approved, or with the report
    or the deal's four elements incomplete (field messages), or when the flow finds no approver."""
    expected = report.version if version is None else version
    report = InitiationReport.objects.select_related(
        "opportunity__stage", "opportunity__customer", "opportunity__owner", "opportunity__customer_lead"
    ).get(pk=report.pk)
    if report.version != expected:
        raise ConflictError(current_version=report.version)
    _check_editable(report)
    opportunity = report.opportunity
    if not opportunity.is_open:
        raise RuleViolation(_("A closed opportunity is not initiated any more."))
    missing = _missing_to_submit(report, opportunity)
    if missing:
        raise ValidationError(missing)
    request = approvals.submit(
        report,
        flow_code=FLOW_CODE,
        by=by,
        title=_("Initiation: %(deal)s") % {"deal": opportunity},
    )
    versioned_update(
        report,
        expected,
        status=InitiationStatus.PENDING,
        elements=selectors.four_elements(opportunity),
        competitors=selectors.competitors(opportunity),
        decision_chain=selectors.decision_chain(opportunity),
        approval=request,
        rejection_comment="",
        submitted_at=timezone.now(),
    )
    _record(report, InitiationChangeAction.SUBMITTED, by)
    return report


@transaction.atomic
def withdraw_report(report: InitiationReport, *, by: User, version: int | None = None) -> InitiationReport:
    """Take a pending report back to draft (its request stays in the history as withdrawn)."""
    expected = report.version if version is None else version
    report = InitiationReport.objects.select_related("approval").get(pk=report.pk)
    if report.version != expected:
        raise ConflictError(current_version=report.version)
    if report.status != InitiationStatus.PENDING or report.approval is None:
        raise RuleViolation(_("Only a report awaiting approval can be withdrawn."))
    if report.approval.requested_by_id != by.pk:
        raise RuleViolation(_("Only the person who submitted the report can withdraw it."))
    approvals.withdraw(report.approval, by=by)
    versioned_update(report, expected, status=InitiationStatus.DRAFT)
    _record(report, InitiationChangeAction.WITHDRAWN, by)
    return report


def on_decided(request: ApprovalRequest) -> None:
    """The approvals engine's outcome, inside its transaction: the report follows its request."""
    report = InitiationReport.objects.select_related("opportunity").filter(pk=request.target_id).first()
    if report is None or report.approval_id != request.pk:
        return  # an older request of this report: its outcome no longer speaks for it
    last = request.decisions.select_related("approver").order_by("-at", "-id").first()
    by = last.approver if last else None
    if request.status == ApprovalStatus.APPROVED:
        versioned_update(report, report.version, status=InitiationStatus.APPROVED, approved_at=timezone.now())
        _record(report, InitiationChangeAction.APPROVED, by, comment=last.comment if last else "")
        _mark_initiated(report.opportunity, by or request.requested_by)
    elif request.status == ApprovalStatus.REJECTED:
        comment = last.comment if last else ""
        versioned_update(report, report.version, status=InitiationStatus.REJECTED, rejection_comment=comment)
        _record(report, InitiationChangeAction.REJECTED, by, comment=comment)


def _mark_initiated(opportunity: Opportunity, by: User) -> None:
    """The deal's initiation date, the day its report was approved (unless one is set already)."""
    opportunity = Opportunity.objects.get(pk=opportunity.pk)
    if opportunity.initiated_at is not None or not opportunity.is_open:
        return
    try:
        with transaction.atomic():
            update_opportunity(
                opportunity, by=by, version=opportunity.version, initiated_at=timezone.localdate()
            )
    except (ValidationError, RuleViolation, ConflictError):
        # The date is a convenience on the deal; the approval stands without it (the deal's own
        # rules may refuse an edit today, e.g. a stage that wants an exact amount it lacks).
        pass


# The stage gate ----------------------------------------------------------------------------------


def initiation_gate(opportunity: Opportunity, entered: Sequence[Stage]) -> str | None:
    """Refuses entering (or jumping past) a stage that requires an approved initiation."""
    gated = [stage for stage in entered if stage.requires_initiation]
    if not gated or selectors.is_approved(opportunity):
        return None
    return _(
        "Stage %(stage)s needs an approved initiation report: submit the report and have it approved first."
    ) % {"stage": gated[0].code}
