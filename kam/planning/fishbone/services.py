"""Writes to a deal's fishbone: add, edit and delete causes, each one transaction with its history row.

Whoever may see the opportunity may work on its fishbone (kam.access.visibility)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import get_visible_opportunity
from kam.core import audit
from kam.core.versioning import versioned_update
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.fishbone.models import (
    ACTION_MAX,
    TEXT_MAX,
    Bone,
    CauseStatus,
    FishboneCause,
    FishboneChange,
)

FIELDS = ("bone", "text", "owner", "action", "due_date", "status")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    for name in ("text", "action"):
        if name in values:
            values[name] = (values[name] or "").strip()
    return values


def _validate(values: Mapping[str, Any]) -> None:
    """Every rule on one cause's values, with a message per field (all of them at once)."""
    errors: dict[str, list[str]] = {}
    if values.get("bone") not in Bone.values:
        errors["bone"] = [
            _("Choose a bone: relationship, competitor, solution, commercial, service or resources.")
        ]
    text = values.get("text") or ""
    if not text:
        errors["text"] = [_("Say in a few words what the cause is.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("At most %(count)d characters.") % {"count": TEXT_MAX}]
    if len(values.get("action") or "") > ACTION_MAX:
        errors["action"] = [_("At most %(count)d characters.") % {"count": ACTION_MAX}]
    if values.get("status") not in CauseStatus.values:
        errors["status"] = [_("Choose open, in progress or done.")]
    owner = values.get("owner")
    if owner is not None and (not isinstance(owner, User) or not owner.is_active):
        errors["owner"] = [_("Choose an active colleague as the owner.")]
    due = values.get("due_date")
    if due is not None and not isinstance(due, dt.date):
        errors["due_date"] = [_("Enter a valid date.")]
    if errors:
        raise ValidationError(errors)


def _shown(value: Any) -> Any:
    """A value as the history keeps it (JSON)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, User):
        return value.name or value.username
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _record(cause: FishboneCause) -> dict[str, Any]:
    return {name: _shown(getattr(cause, name)) for name in FIELDS}


def _history(cause: FishboneCause | None, opportunity_id: int, action: str, by: User, changes: dict) -> None:
    FishboneChange.objects.create(
        opportunity_id=opportunity_id,
        cause=cause,
        cause_label=str(changes.get("text") or ""),
        action=action,
        changed_by=by,
        changes=changes,
    )


def add_cause(
    opportunity: Opportunity,
    *,
    by: User,
    bone: str,
    text: str,
    owner: User | None = None,
    action: str = "",
    due_date: dt.date | None = None,
    status: str = CauseStatus.OPEN,
) -> FishboneCause:
    """Put a cause on one bone of the deal's fishbone."""
    get_visible_opportunity(by, opportunity.pk)
    values = _clean(
        {"bone": bone, "text": text, "owner": owner, "action": action, "due_date": due_date, "status": status}
    )
    _validate(values)
    with transaction.atomic():
        cause = FishboneCause(opportunity=opportunity, created_by=by, **values)
        with audit.acting_as(by):
            cause.save()
        record = _record(cause)
        _history(cause, opportunity.pk, FishboneChange.Action.CREATED, by, record)
    return cause


def update_cause(cause: FishboneCause, *, by: User, version: int | None, **changes: Any) -> FishboneCause:
    """Change the fields given, if the cause still has `version`; the history keeps each changed
    field before and after."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    get_visible_opportunity(by, cause.opportunity_id)
    _clean(changes)
    values = {name: changes.get(name, getattr(cause, name)) for name in FIELDS}
    _validate(values)
    before = _record(cause)
    fields = {name: value for name, value in changes.items() if getattr(cause, name) != value}
    with transaction.atomic():
        if fields:
            fields["updated_at"] = timezone.now()
        versioned_update(cause, version, **fields)
        after = _record(cause)
        diff = {name: [before[name], after[name]] for name in FIELDS if before[name] != after[name]}
        if diff:
            FishboneChange.objects.create(
                opportunity_id=cause.opportunity_id,
                cause=cause,
                cause_label=cause.text,
                action=FishboneChange.Action.EDITED,
                changed_by=by,
                changes=diff,
            )
    return cause


def delete_cause(cause: FishboneCause, *, by: User, version: int | None = None) -> None:
    """Delete a cause; its history stays, with the cause's last values."""
    get_visible_opportunity(by, cause.opportunity_id)
    with transaction.atomic():
        # The version check makes a stale delete a conflict, like a stale edit.
        versioned_update(cause, version)
        _history(None, cause.opportunity_id, FishboneChange.Action.DELETED, by, _record(cause))
        with audit.acting_as(by):
            cause.delete()
