"""Writes of the rolling cycle (DOMAIN.md §9): a plan's review recorded (one plan, or several in one
collective review), and management's timetable of a year's planning round.

A review moves the plan's next due date by its segment's cadence, appends a line to the plan's
history and keeps a revision of the plan as it stood when reviewed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access import permissions
from kam.access.visibility import account_plans_for
from kam.core.versioning import versioned_update
from kam.org.models import User
from kam.planning.accountplans import cadence
from kam.planning.accountplans import services as plans
from kam.planning.accountplans.models import (
    AccountPlan,
    PlanChangeAction,
    PlanningCycle,
    PlanReview,
    PlanStatus,
    ReviewKind,
)

CONCLUSIONS_MAX = 5000
CHANGES_MAX = 5000
SUMMARY_MAX = 300  # PlanChange.summary
# A review is dated in the plan's round: from the year before the plan's year (when it is drafted).
EARLIEST_YEAR_OFFSET = 1


class Phase:
    """The four phases of the rolling cycle, in order (plus before it starts)."""

    UPCOMING = "upcoming"
    PREPARATION = "preparation"
    DRAFTING = "drafting"
    REVIEW = "review"
    IMPLEMENTATION = "implementation"

    LABELS: dict[str, Any] = {
        UPCOMING: gettext_lazy("Not started"),
        PREPARATION: gettext_lazy("Planning and preparation"),
        DRAFTING: gettext_lazy("Drafting"),
        REVIEW: gettext_lazy("Review and adjustment"),
        IMPLEMENTATION: gettext_lazy("Implementation and monitoring"),
    }
    ORDER = (PREPARATION, DRAFTING, REVIEW, IMPLEMENTATION)


# The cycle's dates, in the order they must fall.
CYCLE_DATES = ("preparation_starts", "drafting_starts", "drafting_ends", "review_by", "implementation_starts")
CYCLE_FIELDS = (*CYCLE_DATES, "expectations")
CYCLE_LABELS: dict[str, Any] = {
    "preparation_starts": gettext_lazy("Preparation starts"),
    "drafting_starts": gettext_lazy("Drafting starts"),
    "drafting_ends": gettext_lazy("Drafting ends"),
    "review_by": gettext_lazy("Management review by"),
    "implementation_starts": gettext_lazy("Implementation starts"),
}


# Checks ------------------------------------------------------------------------------------------


def check_may_review(by: User, plan: AccountPlan) -> None:
    """Whoever may see the plan (through its customer, or as its owner or a member) may review it."""
    if not account_plans_for(by).filter(pk=plan.pk).exists():
        raise PermissionDenied(_("You cannot review this account plan."))


def _clean_text(field: str, text: str | None, limit: int, *, required: str | None = None) -> str:
    value = (text or "").strip()
    if not value and required:
        raise ValidationError({field: [required]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(count)d characters.") % {"count": limit}]})
    return value


def _check_review(
    plan: AccountPlan, held_on: dt.date | None, kind: str, today: dt.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if plan.status != PlanStatus.ACTIVE:
        errors["__all__"] = [
            _("Only an active plan is reviewed: this one is %(status)s.")
            % {"status": PlanStatus(plan.status).label.lower()}
        ]
    if held_on is None:
        errors["held_on"] = [_("Say when the review was held.")]
    elif held_on > today:
        errors["held_on"] = [_("A review is recorded once held: the date cannot be in the future.")]
    elif held_on.year < plan.year - EARLIEST_YEAR_OFFSET:
        errors["held_on"] = [
            _("This plan is for %(year)s: a review of it cannot be held before %(first)s.")
            % {"year": plan.year, "first": plan.year - EARLIEST_YEAR_OFFSET}
        ]
    if kind not in ReviewKind.values:
        errors["kind"] = [_("Choose a scheduled, collective or ad hoc review.")]
    return errors


def _participants(plan: AccountPlan, people: Iterable[User]) -> list[User]:
    chosen = list(dict.fromkeys(people))
    gone = [p for p in chosen if not p.is_active]
    if gone:
        raise ValidationError(
            {
                "participants": [
                    _("%(names)s no longer work here.") % {"names": ", ".join(str(p) for p in gone)}
                ]
            }
        )
    return chosen


# Reviews -----------------------------------------------------------------------------------------


def _record(
    plan: AccountPlan,
    *,
    by: User,
    held_on: dt.date,
    conclusions: str,
    changes: str,
    kind: str,
    participants: list[User],
    version: int | None,
    table: Mapping[str, Any],
) -> PlanReview:
    """One review inside the caller's transaction, the plan's row already locked."""
    # The latest review sets the rhythm: a review recorded late for an earlier date keeps it.
    last = max(d for d in (plan.last_reviewed_on, held_on) if d is not None)
    next_due = cadence.next_review_due(plan.customer.segment, last, dict(table))
    # The version first: a stale reviewer writes nothing.
    versioned_update(plan, version, last_reviewed_on=last, next_review_due=next_due)
    review = PlanReview.objects.create(
        plan=plan,
        held_on=held_on,
        kind=kind,
        conclusions=conclusions,
        changes=changes,
        reviewed_by=by,
        next_due=next_due,
    )
    if participants:
        review.participants.set(participants)
    # The history line says what the review concluded and what it changed.
    summary = " ".join(conclusions.split())
    if changes:
        summary = _("%(conclusions)s · Changes: %(changes)s") % {
            "conclusions": summary,
            "changes": " ".join(changes.split()),
        }
    summary = Truncator(summary).chars(SUMMARY_MAX)
    plans.record_change(
        plan,
        by=by,
        action=PlanChangeAction.REVIEWED,
        summary=summary,
        changes={
            "review": review.pk,
            "kind": kind,
            "held_on": held_on.isoformat(),
            "next_review_due": next_due.isoformat(),
            "changes_decided": changes,
        },
    )
    plans.snapshot(
        plan,
        by=by,
        reason=_("Reviewed on %(date)s") % {"date": held_on.isoformat()},
    )
    return review


def record_review(
    plan: AccountPlan,
    *,
    by: User,
    held_on: dt.date | None,
    conclusions: str,
    changes: str = "",
    kind: str = ReviewKind.SCHEDULED,
    participants: Iterable[User] = (),
    version: int | None = None,
    today: dt.date | None = None,
) -> PlanReview:
    """Record a review held on `held_on` with its conclusions (required) and the changes it decided.

    The plan must be active. Its `last_reviewed_on` becomes the latest review's date and its
    `next_review_due` follows from the segment's cadence; the review keeps that date too. `version`
    is the plan's version the reviewer read (a stale one is a ConflictError); None reads it now.
    """
    check_may_review(by, plan)
    today = today or timezone.localdate()
    text = _clean_text(
        "conclusions", conclusions, CONCLUSIONS_MAX, required=_("Write the review's conclusions.")
    )
    decided = _clean_text("changes", changes, CHANGES_MAX)
    errors = _check_review(plan, held_on, kind, today)
    if errors:
        raise ValidationError(errors)
    assert held_on is not None
    people = _participants(plan, participants)
    table = cadence.cadences()
    with transaction.atomic():
        locked = AccountPlan.objects.select_for_update().select_related("customer").get(pk=plan.pk)
        if version is None:
            version = locked.version
        review = _record(
            locked,
            by=by,
            held_on=held_on,
            conclusions=text,
            changes=decided,
            kind=kind,
            participants=people,
            version=version,
            table=table,
        )
    plan.refresh_from_db(fields=["last_reviewed_on", "next_review_due", "version", "updated_at"])
    return review


def record_collective_review(
    plans: Iterable[AccountPlan],
    *,
    by: User,
    held_on: dt.date | None,
    conclusions: str = "",
    changes: str = "",
    own_conclusions: Mapping[int, str] | None = None,
    versions: Mapping[int, int] | None = None,
    participants: Iterable[User] = (),
    today: dt.date | None = None,
) -> list[PlanReview]:
    """The same review held for several plans at once (the segment's collective review): each plan
    gets its own conclusions where given, else the shared ones. All or none are recorded; the errors
    name the plans they concern."""
    chosen = list(dict.fromkeys(plans))
    own = {pk: (text or "").strip() for pk, text in (own_conclusions or {}).items()}
    versions = versions or {}
    today = today or timezone.localdate()
    if not chosen:
        raise ValidationError({"plans": [_("Choose the plans this review covered.")]})
    visible = set(account_plans_for(by).filter(pk__in=[p.pk for p in chosen]).values_list("pk", flat=True))
    hidden = [p for p in chosen if p.pk not in visible]
    if hidden:
        raise PermissionDenied(_("You cannot review this account plan."))
    shared = _clean_text("conclusions", conclusions, CONCLUSIONS_MAX)
    decided = _clean_text("changes", changes, CHANGES_MAX)
    errors: dict[str, list[str]] = {}
    texts: dict[int, str] = {}
    for plan in chosen:
        text = own.get(plan.pk) or shared
        if not text:
            errors.setdefault("conclusions", []).append(
                _("Write the conclusions for %(plan)s, or shared ones for all.") % {"plan": plan}
            )
        elif len(text) > CONCLUSIONS_MAX:
            errors.setdefault("conclusions", []).append(
                _("%(plan)s: at most %(count)d characters.") % {"plan": plan, "count": CONCLUSIONS_MAX}
            )
        texts[plan.pk] = text
        for field, messages in _check_review(plan, held_on, ReviewKind.COLLECTIVE, today).items():
            for message in messages:
                line = f"{plan}: {message}" if field == "__all__" else message
                if line not in errors.get(field, []):
                    errors.setdefault(field, []).append(line)
    if errors:
        raise ValidationError(errors)
    assert held_on is not None
    people = _participants(chosen[0], participants)
    table = cadence.cadences()
    reviews = []
    with transaction.atomic():
        # Locked in id order: two collective reviews over overlapping plans cannot deadlock.
        locked = {
            p.pk: p
            for p in AccountPlan.objects.select_for_update()
            .select_related("customer")
            .filter(pk__in=[p.pk for p in chosen])
            .order_by("pk")
        }
        for plan in chosen:
            row = locked[plan.pk]
            reviews.append(
                _record(
                    row,
                    by=by,
                    held_on=held_on,
                    conclusions=texts[plan.pk],
                    changes=decided,
                    kind=ReviewKind.COLLECTIVE,
                    participants=people,
                    version=versions.get(plan.pk, row.version),
                    table=table,
                )
            )
    return reviews


# The planning cycle ------------------------------------------------------------------------------


def _check_cycle(year: int, values: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    labels = CYCLE_LABELS
    for name in CYCLE_DATES:
        day = values.get(name)
        if day is None:
            errors[name] = [_("Give the date.")]
        elif not (year - 1 <= day.year <= year):
            errors[name] = [
                _("The %(year)s round runs in %(before)s and %(year)s: choose a date in those years.")
                % {"year": year, "before": year - 1}
            ]
    if not errors:
        for earlier, later in zip(CYCLE_DATES, CYCLE_DATES[1:], strict=False):
            if values[later] < values[earlier]:
                errors.setdefault(later, []).append(
                    _("%(later)s cannot be before %(earlier)s (%(date)s).")
                    % {
                        "later": labels[later],
                        "earlier": str(labels[earlier]).lower(),
                        "date": values[earlier].isoformat(),
                    }
                )
    if errors:
        raise ValidationError(errors)


def set_cycle(year: int, *, by: User, version: int | None = None, **values: Any) -> PlanningCycle:
    """Set the timetable of the `year` round (its five dates, in order, and management's
    expectations). A new year's cycle is made; an existing one is changed only from the version
    read (`version`; None for a new one or to take the current)."""
    if not permissions.may_edit_planning_cycle(by):
        raise PermissionDenied(_("Only directors and administrators set the planning cycle."))
    unknown = set(values) - set(CYCLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    if not (2000 <= year <= 2100):
        raise ValidationError({"year": [_("Choose a year between 2000 and 2100.")]})
    expectations = values.get("expectations")
    if expectations is not None:
        values["expectations"] = _clean_text("expectations", expectations, CONCLUSIONS_MAX)
    with transaction.atomic():
        cycle = PlanningCycle.objects.select_for_update().filter(year=year).first()
        if cycle is None:
            merged = {"expectations": "", **values}
            _check_cycle(year, merged)
            return PlanningCycle.objects.create(year=year, updated_by=by, **merged)
        merged = {name: getattr(cycle, name) for name in CYCLE_FIELDS}
        merged.update(values)
        _check_cycle(year, merged)
        versioned_update(cycle, version, updated_by=by, **{n: merged[n] for n in CYCLE_FIELDS})
    return cycle


def current_phase(cycle: PlanningCycle, today: dt.date | None = None) -> str:
    """Where the round stands on `today`: preparation from its start, drafting from the drafting
    start to its end, review until implementation starts, then implementation and monitoring."""
    today = today or timezone.localdate()
    if today >= cycle.implementation_starts:
        return Phase.IMPLEMENTATION
    if today > cycle.drafting_ends:
        return Phase.REVIEW
    if today >= cycle.drafting_starts:
        return Phase.DRAFTING
    if today >= cycle.preparation_starts:
        return Phase.PREPARATION
    return Phase.UPCOMING
