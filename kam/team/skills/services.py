"""Writes of skills and training: a person placed in the ability × attitude matrix, a skill level
set, training items added (by hand or from a gap), edited and marked done; the skill catalogue and
the treatments edited by administrators. Each is one transaction; placements and levels add rows
(history), edits name the version they read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.permissions import check_assess_person, check_edit_skill_catalogue
from kam.core.errors import RuleViolation
from kam.core.versioning import versioned_update
from kam.org.models import User
from kam.team.skills.models import (
    ACTION_MAX,
    ADVICE_MAX,
    LEVEL_MAX,
    LEVEL_MIN,
    NOTE_MAX,
    Ability,
    Attitude,
    Placement,
    Skill,
    SkillLevel,
    TrainingItem,
    TrainingStatus,
    Treatment,
)

# A plan made from a gap is due in a month unless the manager says otherwise.
GAP_PLAN_DAYS = 30
NAME_MAX = 100


def _clean_text(field: str, text: str | None, limit: int, *, empty: str | None = None) -> str:
    value = (text or "").strip()
    if not value and empty is not None:
        raise ValidationError({field: [empty]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(count)d characters.") % {"count": limit}]})
    return value


def _clean_date(field: str, on: dt.date | None) -> dt.date:
    if on is None:
        raise ValidationError({field: [_("Give the date of the assessment.")]})
    if on > timezone.localdate():
        raise ValidationError({field: [_("The date cannot be in the future.")]})
    return on


def _clean_level(field: str, level: Any, what: str) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if not LEVEL_MIN <= value <= LEVEL_MAX or isinstance(level, bool):
        raise ValidationError({field: [_("%(what)s is a whole number from 1 to 5.") % {"what": what}]})
    return value


def _lock_person(person: User) -> None:
    """One writer per person at a time: the newest row of their history becomes the current one."""
    User.objects.select_for_update().filter(pk=person.pk).first()


# The ability × attitude matrix -------------------------------------------------------------------


def place_person(
    person: User, *, by: User, ability: str, attitude: str, on: dt.date | None, note: str = ""
) -> Placement:
    """Put `person` in a cell of the matrix as of `on`; earlier placements stay as their history,
    and the newest by date is the one the matrix shows."""
    check_assess_person(by, person)
    errors: dict[str, list[str]] = {}
    if ability not in Ability.values:
        errors["ability"] = [_("Choose able, can learn or cannot.")]
    if attitude not in Attitude.values:
        errors["attitude"] = [_("Choose willing or unwilling.")]
    if errors:
        raise ValidationError(errors)
    on = _clean_date("on", on)
    note = _clean_text("note", note, NOTE_MAX)
    with transaction.atomic():
        _lock_person(person)
        placement = Placement.objects.create(
            person=person, ability=ability, attitude=attitude, on=on, note=note, set_by=by
        )
        newest = (
            Placement.objects.filter(person=person).order_by("-on", "-id").values_list("pk", flat=True)[0]
        )
        # Unset before set: at most one current row per person at any moment (a partial unique index).
        Placement.objects.filter(person=person, current=True).exclude(pk=newest).update(current=False)
        Placement.objects.filter(pk=newest).update(current=True)
    placement.current = placement.pk == newest
    return placement


# Skill levels ------------------------------------------------------------------------------------


def set_level(
    person: User, skill: Skill, *, by: User, level: Any, on: dt.date | None, note: str = ""
) -> SkillLevel:
    """Record `person`'s level in `skill` as of `on`; the newest by date is their current level."""
    check_assess_person(by, person)
    value = _clean_level("level", level, _("The level"))
    on = _clean_date("on", on)
    note = _clean_text("note", note, NOTE_MAX)
    if not skill.active:
        raise ValidationError({"skill": [_("This skill is no longer in use.")]})
    with transaction.atomic():
        _lock_person(person)
        row = SkillLevel.objects.create(person=person, skill=skill, level=value, on=on, note=note, set_by=by)
        history = SkillLevel.objects.filter(person=person, skill=skill)
        newest = history.order_by("-on", "-id").values_list("pk", flat=True)[0]
        history.filter(current=True).exclude(pk=newest).update(current=False)
        SkillLevel.objects.filter(pk=newest).update(current=True)
    row.current = row.pk == newest
    return row


# Training plans ----------------------------------------------------------------------------------


def _clean_due(due: dt.date | None) -> dt.date:
    if due is None:
        raise ValidationError({"due": [_("Give a due date.")]})
    if due < timezone.localdate():
        raise ValidationError({"due": [_("The due date cannot be in the past.")]})
    return due


def add_training_item(
    person: User, *, by: User, skill: Skill, action: str, due: dt.date | None
) -> TrainingItem:
    check_assess_person(by, person)
    text = _clean_text("action", action, ACTION_MAX, empty=_("Say what the training is."))
    due = _clean_due(due)
    if not skill.active:
        raise ValidationError({"skill": [_("This skill is no longer in use.")]})
    with transaction.atomic():
        return TrainingItem.objects.create(person=person, skill=skill, action=text, due=due, created_by=by)


def plan_from_gap(
    person: User, skill: Skill, *, by: User, action: str = "", due: dt.date | None = None
) -> TrainingItem:
    """One click from a gap to a training item: the skill, a default action naming the levels, due
    in a month. Refused where there is no gap, or an open item on the skill already covers it."""
    check_assess_person(by, person)
    current = SkillLevel.objects.filter(person=person, skill=skill, current=True).first()
    if current is None:
        message = _("Set %(name)s's level in %(skill)s first: the gap is measured from it.") % {
            "name": person,
            "skill": skill,
        }
        raise RuleViolation(message, {"skill": [message]})
    if current.level >= skill.importance:
        message = _("%(skill)s has no gap: level %(level)d meets importance %(importance)d.") % {
            "skill": skill,
            "level": current.level,
            "importance": skill.importance,
        }
        raise RuleViolation(message, {"skill": [message]})
    if TrainingItem.objects.filter(person=person, skill=skill, status=TrainingStatus.OPEN).exists():
        message = _("An open training item on %(skill)s is already in the plan.") % {"skill": skill}
        raise RuleViolation(message, {"skill": [message]})
    text = action or _("Raise %(skill)s from level %(level)d towards %(importance)d") % {
        "skill": skill,
        "level": current.level,
        "importance": skill.importance,
    }
    return add_training_item(
        person,
        by=by,
        skill=skill,
        action=text,
        due=due or timezone.localdate() + dt.timedelta(days=GAP_PLAN_DAYS),
    )


def update_training_item(
    item: TrainingItem,
    *,
    by: User,
    version: int | None,
    action: str | None = None,
    due: dt.date | None = None,
    status: str | None = None,
) -> TrainingItem:
    """Change the words, the due date or the status; done records today as the day it was done,
    reopened clears it."""
    check_assess_person(by, item.person)
    fields: dict[str, Any] = {}
    if action is not None:
        fields["action"] = _clean_text("action", action, ACTION_MAX, empty=_("Say what the training is."))
    if due is not None and due != item.due:
        fields["due"] = _clean_due(due)
    if status is not None:
        if status not in TrainingStatus.values:
            raise ValidationError({"status": [_("Choose open or done.")]})
        if status != item.status:
            fields["status"] = status
            fields["done_on"] = timezone.localdate() if status == TrainingStatus.DONE else None
    with transaction.atomic():
        versioned_update(item, version, **fields)
    return item


# The catalogue -----------------------------------------------------------------------------------


def update_skill(
    skill: Skill,
    *,
    by: User,
    version: int | None,
    name: str | None = None,
    name_en: str | None = None,
    importance: Any = None,
    active: bool | None = None,
) -> Skill:
    check_edit_skill_catalogue(by)
    fields: dict[str, Any] = {}
    if name is not None:
        fields["name"] = _clean_text("name", name, NAME_MAX, empty=_("Name the skill."))
    if name_en is not None:
        fields["name_en"] = _clean_text("name_en", name_en, NAME_MAX)
    if importance is not None:
        fields["importance"] = _clean_level("importance", importance, _("The importance"))
    if active is not None:
        fields["active"] = bool(active)
    with transaction.atomic():
        versioned_update(skill, version, **fields)
    return skill


def update_treatment(
    treatment: Treatment,
    *,
    by: User,
    version: int | None,
    advice: str | None = None,
    advice_en: str | None = None,
) -> Treatment:
    check_edit_skill_catalogue(by)
    fields: dict[str, Any] = {}
    if advice is not None:
        fields["advice"] = _clean_text(
            "advice", advice, ADVICE_MAX, empty=_("Say what to do with this cell.")
        )
    if advice_en is not None:
        fields["advice_en"] = _clean_text("advice_en", advice_en, ADVICE_MAX)
    with transaction.atomic():
        versioned_update(treatment, version, **fields)
    return treatment
