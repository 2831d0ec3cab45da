"""Writes to a closed deal's win/loss review: write it once, then edit it against its version; each
write is one transaction with its history row.

Whoever may see the opportunity may write and edit its review (kam.access.visibility)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import get_visible_opportunity
from kam.core import audit
from kam.core.errors import RuleViolation
from kam.core.versioning import versioned_update
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.fishbone.models import FishboneCause
from kam.planning.winloss.models import (
    PARTICIPANTS_MAX,
    REVIEW_FIELDS,
    REVIEW_TEXT_MAX,
    WinLossReview,
    WinLossReviewChange,
)

TEXT_FIELDS = ("other_participants", "decided_by", "worked", "failed", "competitor_did", "lessons")
MANY_FIELDS = ("our_people", "causes")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    for name in TEXT_FIELDS:
        if name in values:
            values[name] = (values[name] or "").strip()
    for name in MANY_FIELDS:
        if name in values:
            # Each once, in the order given.
            values[name] = list(dict.fromkeys(values[name] or ()))
    return values


def _validate(opportunity: Opportunity, values: Mapping[str, Any]) -> None:
    """Every rule on a review's values, with a message per field (all of them at once)."""
    errors: dict[str, list[str]] = {}
    meeting = values.get("meeting_date")
    if not isinstance(meeting, dt.date):
        errors["meeting_date"] = [_("Enter the date the review meeting took place.")]
    elif meeting > timezone.localdate():
        errors["meeting_date"] = [
            _("The review records a meeting that took place: pick today or an earlier day.")
        ]
    if not values.get("decided_by"):
        errors["decided_by"] = [_("Say what decided the deal.")]
    for name in TEXT_FIELDS:
        limit = PARTICIPANTS_MAX if name == "other_participants" else REVIEW_TEXT_MAX
        if len(values.get(name) or "") > limit:
            errors[name] = [_("At most %(count)d characters.") % {"count": limit}]
    people = values.get("our_people") or []
    if any(not isinstance(person, User) or not person.is_active for person in people):
        errors["our_people"] = [_("Choose active colleagues as participants.")]
    causes = values.get("causes") or []
    if any(not isinstance(c, FishboneCause) or c.opportunity_id != opportunity.pk for c in causes):
        errors["causes"] = [_("Link only causes from this opportunity's fishbone.")]
    if errors:
        raise ValidationError(errors)


def _shown(name: str, value: Any) -> Any:
    """A value as the history keeps it (JSON): people and causes by name, in a stable order."""
    if name == "our_people":
        return sorted(person.name or person.username for person in value)
    if name == "causes":
        return sorted(cause.text for cause in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _record(review: WinLossReview, many: Mapping[str, Iterable[Any]]) -> dict[str, Any]:
    return {
        name: _shown(name, many[name] if name in MANY_FIELDS else getattr(review, name))
        for name in REVIEW_FIELDS
    }


def _current_many(review: WinLossReview) -> dict[str, list[Any]]:
    return {"our_people": list(review.our_people.all()), "causes": list(review.causes.all())}


def write_review(
    opportunity: Opportunity,
    *,
    by: User,
    meeting_date: dt.date | None,
    decided_by: str,
    our_people: Iterable[User] = (),
    other_participants: str = "",
    worked: str = "",
    failed: str = "",
    competitor_did: str = "",
    lessons: str = "",
    causes: Iterable[FishboneCause] = (),
) -> WinLossReview:
    """The deal's review, written once the deal is closed (one per deal; edit it afterwards)."""
    get_visible_opportunity(by, opportunity.pk)
    if opportunity.is_open:
        raise RuleViolation(_("A win/loss review is written once the opportunity is closed."))
    values = _clean(
        {
            "meeting_date": meeting_date,
            "our_people": our_people,
            "other_participants": other_participants,
            "decided_by": decided_by,
            "worked": worked,
            "failed": failed,
            "competitor_did": competitor_did,
            "lessons": lessons,
            "causes": causes,
        }
    )
    _validate(opportunity, values)
    many = {name: values.pop(name) for name in MANY_FIELDS}
    if WinLossReview.objects.filter(opportunity=opportunity).exists():
        raise RuleViolation(_("This opportunity already has a review: edit it instead."))
    try:
        with transaction.atomic():
            review = WinLossReview(opportunity=opportunity, created_by=by, **values)
            with audit.acting_as(by):
                review.save()
            review.our_people.set(many["our_people"])
            review.causes.set(many["causes"])
            WinLossReviewChange.objects.create(
                opportunity=opportunity,
                review=review,
                action=WinLossReviewChange.Action.CREATED,
                changed_by=by,
                changes=_record(review, many),
            )
    except IntegrityError as exc:
        # Two people writing the first review at once: the one-per-deal constraint keeps the first.
        raise RuleViolation(_("This opportunity already has a review: edit it instead.")) from exc
    return review


def update_review(review: WinLossReview, *, by: User, version: int | None, **changes: Any) -> WinLossReview:
    """Change the fields given, if the review still has `version`; the history keeps each changed
    field before and after. A change of participants or causes alone moves the version too."""
    unknown = set(changes) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    opportunity = review.opportunity
    get_visible_opportunity(by, opportunity.pk)
    _clean(changes)
    current_many = _current_many(review)
    values = {
        name: changes.get(name, current_many[name] if name in MANY_FIELDS else getattr(review, name))
        for name in REVIEW_FIELDS
    }
    _validate(opportunity, values)
    before = _record(review, current_many)
    new_many = {name: values[name] for name in MANY_FIELDS}
    fields = {
        name: value
        for name, value in changes.items()
        if name not in MANY_FIELDS and getattr(review, name) != value
    }
    many_changed = {
        name
        for name in MANY_FIELDS
        if name in changes and {o.pk for o in new_many[name]} != {o.pk for o in current_many[name]}
    }
    with transaction.atomic():
        if fields or many_changed:
            fields["updated_at"] = timezone.now()
        versioned_update(review, version, **fields)
        if "our_people" in many_changed:
            review.our_people.set(new_many["our_people"])
        if "causes" in many_changed:
            review.causes.set(new_many["causes"])
        after = _record(review, {name: new_many[name] for name in MANY_FIELDS})
        diff = {name: [before[name], after[name]] for name in REVIEW_FIELDS if before[name] != after[name]}
        if diff:
            WinLossReviewChange.objects.create(
                opportunity=opportunity,
                review=review,
                action=WinLossReviewChange.Action.EDITED,
                changed_by=by,
                changes=diff,
            )
    return review
