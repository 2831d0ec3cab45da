"""Writes to the playbook, the certification records and the rule's settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.permissions import may_certify, may_edit_playbook
from kam.core.versioning import versioned_update
from kam.org.models import User
from kam.team.playbook import selectors
from kam.team.playbook.models import (
    CertificationElement,
    CertificationRecord,
    CertificationRule,
    PlaybookEntry,
)

ENTRY_FIELDS = ("what_to_do", "what_to_do_en", "questions", "questions_en", "materials", "materials_en")
RULE_FIELDS = ("enforce_key_owner", "key_tiers", "validity_days")
TIERS = "ABCD"


def update_entry(entry: PlaybookEntry, *, by: User, version: int | None, **changes: Any) -> PlaybookEntry:
    """Change a stage's playbook (administrators and directors); `version` is the one read."""
    if not may_edit_playbook(by):
        raise PermissionDenied(_("Administrators and directors edit the playbook."))
    unknown = set(changes) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in sorted(unknown)})
    with transaction.atomic():
        versioned_update(entry, version, **changes)
        if changes:
            PlaybookEntry.objects.filter(pk=entry.pk).update(updated_by=by)
    return entry


def record_examination(
    user: User,
    element: CertificationElement,
    *,
    by: User,
    passed: bool,
    on: dt.date | None = None,
    note: str = "",
) -> CertificationRecord:
    """One examination of `user` on `element`: passed or failed, by `by`, on `on` (today by default).

    A pass is valid for the rule's validity period from the day of the examination."""
    if not may_certify(by, user):
        raise PermissionDenied(_("The rep's manager or a director records the certification."))
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"certified_on": [_("An examination cannot be dated in the future.")]})
    if not element.is_active:
        raise ValidationError({"element": [_("This element is no longer examined.")]})
    rule = selectors.certification_rule()
    valid_until = on + dt.timedelta(days=rule.validity_days) if passed and rule.validity_days else None
    return CertificationRecord.objects.create(
        user=user,
        element=element,
        passed=passed,
        certified_on=on,
        valid_until=valid_until,
        certified_by=by,
        note=note,
    )


def update_rule(
    rule: CertificationRule, *, by: User, version: int | None, **changes: Any
) -> CertificationRule:
    """Switch the key-tier owner rule on or off, choose the key tiers and the validity period."""
    if not may_edit_playbook(by):
        raise PermissionDenied(_("Administrators and directors change the certification rule."))
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in sorted(unknown)})
    if "key_tiers" in changes:
        letters = "".join(
            sorted({c for c in (changes["key_tiers"] or "").upper() if not c.isspace() and c != ","})
        )
        if not letters or any(c not in TIERS for c in letters):
            raise ValidationError({"key_tiers": [_("Name the key tiers with the letters A, B, C or D.")]})
        changes["key_tiers"] = letters
    if rule.pk is None:
        rule.save()
    with transaction.atomic():
        versioned_update(rule, version, **changes)
        CertificationRule.objects.filter(pk=rule.pk).update(updated_by=by)
    return rule
