"""Writes to a deal's strategy checklist: answer a question (or change the answer), clear it; each
one transaction with its history row, and a request to rescan the deal's health (the
weak-checklist rule reads the answers)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import get_visible_opportunity
from kam.core.errors import ConflictError
from kam.core.limits import SHORT_TEXT_MAX
from kam.core.versioning import versioned_update
from kam.opportunities.models import Opportunity
from kam.opportunities.signals import health_inputs_changed
from kam.org.models import User
from kam.planning.checklists.models import (
    QUESTION_MAX,
    AnswerValue,
    ChecklistAnswer,
    ChecklistChange,
    ChecklistQuestion,
)


def _validate(question: ChecklistQuestion, value: str, note: str) -> None:
    errors: dict[str, list[str]] = {}
    if value not in AnswerValue.values:
        errors["value"] = [_("Answer yes, partly or no.")]
    if len(note) > SHORT_TEXT_MAX:
        errors["note"] = [_("At most %(count)d characters.") % {"count": SHORT_TEXT_MAX}]
    if not question.is_active or not question.section.is_active:
        errors["question"] = [_("This question is no longer in use.")]
    if errors:
        raise ValidationError(errors)


def _history(opportunity_id: int, question: ChecklistQuestion, action: str, by: User, changes: dict) -> None:
    ChecklistChange.objects.create(
        opportunity_id=opportunity_id,
        question=question,
        question_label=question.text[:QUESTION_MAX],
        action=action,
        changed_by=by,
        changes=changes,
    )


def _health_changed(opportunity_id: int) -> None:
    health_inputs_changed.send(sender=ChecklistAnswer, opportunity_ids=[opportunity_id])


def answer(
    opportunity: Opportunity,
    question: ChecklistQuestion,
    *,
    by: User,
    value: str,
    note: str = "",
    version: int | None = None,
) -> ChecklistAnswer:
    """Answer `question` for the deal, or change its answer. `version` is the answer's version as
    read (0: read unanswered); another writer since then is a conflict. None skips the check."""
    get_visible_opportunity(by, opportunity.pk)
    note = (note or "").strip()
    _validate(question, value, note)
    with transaction.atomic():
        current = ChecklistAnswer.objects.filter(opportunity=opportunity, question=question).first()
        if current is None:
            if version:
                raise ConflictError(current_version=0)
            try:
                with transaction.atomic():
                    current = ChecklistAnswer.objects.create(
                        opportunity=opportunity, question=question, value=value, note=note, answered_by=by
                    )
            except IntegrityError as error:
                # Someone answered it between our read and our write.
                raise ConflictError() from error
            _history(
                opportunity.pk,
                question,
                ChecklistChange.Action.ANSWERED,
                by,
                {"value": [None, value], **({"note": ["", note]} if note else {})},
            )
        else:
            if version == 0:
                raise ConflictError(current_version=current.version)
            before = {"value": current.value, "note": current.note}
            diff = {
                name: [before[name], after]
                for name, after in (("value", value), ("note", note))
                if before[name] != after
            }
            if not diff:
                versioned_update(current, version)  # still a conflict when stale
                return current
            versioned_update(
                current, version, value=value, note=note, answered_by=by, answered_at=timezone.now()
            )
            _history(opportunity.pk, question, ChecklistChange.Action.CHANGED, by, diff)
        _health_changed(opportunity.pk)
    return current


def clear(
    opportunity: Opportunity, question: ChecklistQuestion, *, by: User, version: int | None = None
) -> None:
    """Take back the deal's answer to `question` (it counts as unanswered again)."""
    get_visible_opportunity(by, opportunity.pk)
    with transaction.atomic():
        current = ChecklistAnswer.objects.filter(opportunity=opportunity, question=question).first()
        if current is None:
            return
        versioned_update(current, version)
        _history(
            opportunity.pk,
            question,
            ChecklistChange.Action.CLEARED,
            by,
            {"value": [current.value, None], **({"note": [current.note, ""]} if current.note else {})},
        )
        current.delete()
        _health_changed(opportunity.pk)
