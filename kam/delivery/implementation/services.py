"""Writes to implementation projects (项目实施计划表): opening a signed contract's project with its
hand-over checklist, ticking the checklist, completing the hand-over, the plan's rows, accepting
milestones and closing the project (验收结项). Each write is one transaction with its history line;
edits name the version they read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import contracts_for
from kam.core.errors import RuleViolation
from kam.core.versioning import versioned_update
from kam.delivery import history
from kam.delivery.models import (
    Contract,
    ContractStatus,
    HandoverCheck,
    HandoverItem,
    Instalment,
    Project,
    ProjectStatus,
    WorkItem,
)
from kam.org.models import User

# Only a signed contract is implemented.
SIGNED_STATUSES = (ContractStatus.SIGNED, ContractStatus.IN_FORCE)
# The plan row's fields an edit may change, in the order of §11.
WORK_ITEM_FIELDS = (
    "name",
    "content",
    "target",
    "starts_on",
    "ends_on",
    "owner",
    "resources",
    "checkpoint",
    "is_milestone",
    "instalment",
    "progress",
    "order",
)
TEXT_LIMITS = {"name": 200, "target": 300, "resources": 300, "checkpoint": 300}


# Checks and history -----------------------------------------------------------------------------


def check_may_edit(by: User, contract: Contract) -> None:
    """Whoever may see the contract may work on its project."""
    if not contracts_for(by).filter(pk=contract.pk).exists():
        raise PermissionDenied(_("You cannot edit this project."))


def _record(
    project: Project,
    *,
    record: str,
    record_id: int,
    action: str,
    by: User,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    contract = project.contract
    history.record(
        customer=contract.customer_id,
        contract=contract,
        record=record,
        record_id=record_id,
        action=action,
        by=by,
        summary=summary,
        changes=changes,
    )


def _plain(value: Any) -> Any:
    """A value as the history's JSON keeps it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _check_open(project: Project) -> None:
    if project.status == ProjectStatus.ACCEPTED:
        raise RuleViolation(_("The project is accepted and closed: its plan can no longer change."))


# The project ------------------------------------------------------------------------------------


def open_project(contract: Contract, *, by: User, manager: User | None) -> Project:
    """Open the implementation of a signed contract: its manager and the hand-over checklist,
    copied from the active checklist items."""
    check_may_edit(by, contract)
    if manager is None:
        raise ValidationError({"manager": [_("Choose the project manager.")]})
    if not manager.is_active:
        raise ValidationError({"manager": [_("The project manager must be an active user.")]})
    if contract.status not in SIGNED_STATUSES:
        raise RuleViolation(
            _("Only a signed contract is implemented: this one is %(status)s.")
            % {"status": contract.get_status_display()}
        )
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        if Project.objects.filter(contract=contract).exists():
            raise RuleViolation(_("This contract's project is already open."))
        project = Project.objects.create(contract=contract, manager=manager)
        HandoverCheck.objects.bulk_create(
            HandoverCheck(project=project, item=item) for item in HandoverItem.objects.filter(is_active=True)
        )
        _record(
            project,
            record="project",
            record_id=project.pk,
            action="opened",
            by=by,
            summary=_("Project opened, managed by %(manager)s") % {"manager": manager},
            changes={"manager": [None, manager.pk], "status": [None, project.status]},
        )
    return project


def set_manager(project: Project, *, by: User, version: int | None, manager: User | None) -> Project:
    check_may_edit(by, project.contract)
    if manager is None or not manager.is_active:
        raise ValidationError({"manager": [_("Choose the project manager.")]})
    with transaction.atomic():
        before = project.manager_id
        versioned_update(project, version, manager=manager)
        if before != manager.pk:
            _record(
                project,
                record="project",
                record_id=project.pk,
                action="manager",
                by=by,
                summary=_("Project manager: %(manager)s") % {"manager": manager},
                changes={"manager": [before, manager.pk]},
            )
    return project


def check_handover(check: HandoverCheck, *, by: User, done: bool, note: str = "") -> HandoverCheck:
    """Tick or untick one item of the hand-over checklist, with a note."""
    project = check.project
    check_may_edit(by, project.contract)
    if project.status != ProjectStatus.HANDOVER:
        raise RuleViolation(_("The hand-over is complete: its checklist no longer changes."))
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": [_("At most %(count)d characters.") % {"count": 300}]})
    with transaction.atomic():
        before = {"done": check.done, "note": check.note}
        check.done = bool(done)
        check.note = note
        check.checked_by = by if done else None
        check.checked_at = timezone.now() if done else None
        check.save(update_fields=["done", "note", "checked_by", "checked_at"])
        changes = {k: [v, getattr(check, k)] for k, v in before.items() if v != getattr(check, k)}
        if changes:
            _record(
                project,
                record="handover_check",
                record_id=check.pk,
                action="ticked" if check.done else "unticked",
                by=by,
                summary=check.item.text,
                changes=changes,
            )
    return check


def missing_handover(project: Project) -> list[str]:
    return [c.item.text for c in project.handover_checks.select_related("item") if not c.done]


def complete_handover(project: Project, *, by: User, version: int | None) -> Project:
    """Every checklist item done: the project is handed over and in progress."""
    check_may_edit(by, project.contract)
    if project.status != ProjectStatus.HANDOVER:
        raise RuleViolation(_("The hand-over is already complete."))
    with transaction.atomic():
        missing = missing_handover(project)
        if missing:
            message = _("The hand-over is not complete. Still to do: %(items)s.") % {
                "items": "; ".join(missing)
            }
            raise RuleViolation(message, {"handover": [message]})
        now = timezone.now()
        versioned_update(
            project, version, status=ProjectStatus.IN_PROGRESS, handed_over_at=now, handed_over_by=by
        )
        _record(
            project,
            record="project",
            record_id=project.pk,
            action="handed_over",
            by=by,
            summary=_("Hand-over complete"),
            changes={"status": [ProjectStatus.HANDOVER, ProjectStatus.IN_PROGRESS]},
        )
    return project


def close_project(
    project: Project, *, by: User, version: int | None, accepted_on: dt.date | None, notes: str = ""
) -> Project:
    """验收结项: the acceptance date, every milestone accepted."""
    check_may_edit(by, project.contract)
    if accepted_on is None:
        raise ValidationError({"accepted_on": [_("Enter the acceptance date.")]})
    if project.status == ProjectStatus.ACCEPTED:
        raise RuleViolation(_("The project is already accepted and closed."))
    if project.status == ProjectStatus.HANDOVER:
        raise RuleViolation(_("Complete the hand-over before closing the project."))
    with transaction.atomic():
        open_milestones = list(
            project.work_items.filter(is_milestone=True, done_on__isnull=True).values_list("name", flat=True)
        )
        if open_milestones:
            message = _("Every milestone must be accepted first. Still open: %(items)s.") % {
                "items": "; ".join(open_milestones)
            }
            raise RuleViolation(message, {"accepted_on": [message]})
        versioned_update(
            project,
            version,
            status=ProjectStatus.ACCEPTED,
            accepted_on=accepted_on,
            closing_notes=(notes or "").strip(),
        )
        _record(
            project,
            record="project",
            record_id=project.pk,
            action="accepted",
            by=by,
            summary=_("Accepted and closed on %(date)s") % {"date": accepted_on.isoformat()},
            changes={
                "status": [ProjectStatus.IN_PROGRESS, ProjectStatus.ACCEPTED],
                "accepted_on": [None, accepted_on.isoformat()],
            },
        )
    return project


# Work items ---------------------------------------------------------------------------------------


def _clean_item(project: Project, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for name, limit in TEXT_LIMITS.items():
        if name in values:
            values[name] = (values[name] or "").strip()
            if len(values[name]) > limit:
                errors[name] = [_("At most %(count)d characters.") % {"count": limit}]
    if "content" in values:
        values["content"] = (values["content"] or "").strip()
    if not values.get("name"):
        errors["name"] = [_("Name the work item.")]
    if values.get("starts_on") is None:
        errors["starts_on"] = [_("Enter the start date.")]
    if values.get("ends_on") is None:
        errors["ends_on"] = [_("Enter the end date.")]
    elif values.get("starts_on") and values["ends_on"] < values["starts_on"]:
        errors["ends_on"] = [_("The end cannot come before the start.")]
    if values.get("owner") is None:
        errors["owner"] = [_("Choose who owns the work item.")]
    progress = values.get("progress")
    if progress is None:
        values["progress"] = 0
    elif not 0 <= int(progress) <= 100:
        errors["progress"] = [_("Progress is between 0 and 100 %.")]
    instalment: Instalment | None = values.get("instalment")
    if instalment is not None:
        if instalment.contract_id != project.contract_id:
            errors["instalment"] = [_("Choose an instalment of this project's contract.")]
        elif not values.get("is_milestone"):
            errors["instalment"] = [_("Only a milestone releases an instalment.")]
    if errors:
        raise ValidationError(errors)
    return values


def add_work_item(project: Project, *, by: User, **fields: Any) -> WorkItem:
    check_may_edit(by, project.contract)
    _check_open(project)
    unknown = set(fields) - set(WORK_ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = _clean_item(project, dict(fields))
    with transaction.atomic():
        if "order" not in values or values["order"] is None:
            values["order"] = project.work_items.count() + 1
        item = WorkItem.objects.create(project=project, **values)
        _record(
            project,
            record="work_item",
            record_id=item.pk,
            action="added",
            by=by,
            summary=item.name,
            changes={k: [None, _plain(v)] for k, v in values.items()},
        )
    return item


def update_work_item(item: WorkItem, *, by: User, version: int | None, **changes: Any) -> WorkItem:
    project = item.project
    check_may_edit(by, project.contract)
    _check_open(project)
    unknown = set(changes) - set(WORK_ITEM_FIELDS) - {"done_on"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    current = {name: getattr(item, name) for name in WORK_ITEM_FIELDS}
    values = _clean_item(project, {**current, **changes})
    if "done_on" in changes:
        values["done_on"] = changes["done_on"]
    with transaction.atomic():
        before = {name: _plain(getattr(item, name)) for name in values}
        versioned_update(item, version, **values)
        diff = {
            k: [before[k], _plain(getattr(item, k))] for k in values if before[k] != _plain(getattr(item, k))
        }
        if diff:
            _record(
                project,
                record="work_item",
                record_id=item.pk,
                action="edited",
                by=by,
                summary=item.name,
                changes=diff,
            )
    return item


def remove_work_item(item: WorkItem, *, by: User, version: int | None) -> None:
    project = item.project
    check_may_edit(by, project.contract)
    _check_open(project)
    with transaction.atomic():
        versioned_update(item, version)
        record = {
            name: [_plain(getattr(item, name)), None]
            for name in ("name", "starts_on", "ends_on", "is_milestone")
        }
        pk = item.pk
        item.delete()
        _record(
            project,
            record="work_item",
            record_id=pk,
            action="removed",
            by=by,
            summary=str(record["name"][0]),
            changes=record,
        )


def accept_milestone(item: WorkItem, *, by: User, version: int | None, done_on: dt.date | None) -> WorkItem:
    """A milestone accepted by the customer on `done_on`: the row is done at 100 %."""
    project = item.project
    check_may_edit(by, project.contract)
    _check_open(project)
    if not item.is_milestone:
        raise RuleViolation(_("Only a milestone is accepted."))
    if done_on is None:
        raise ValidationError({"done_on": [_("Enter the date the milestone was accepted.")]})
    if project.status == ProjectStatus.HANDOVER:
        raise RuleViolation(_("Complete the hand-over before accepting a milestone."))
    with transaction.atomic():
        before = _plain(item.done_on)
        versioned_update(item, version, done_on=done_on, progress=100)
        _record(
            project,
            record="work_item",
            record_id=item.pk,
            action="milestone_accepted",
            by=by,
            summary=item.name,
            changes={"done_on": [before, done_on.isoformat()]},
        )
    return item
