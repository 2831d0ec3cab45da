"""Writes to weekly and monthly plans: the plan, its goals, its planned activities (through the
activities service) and a manager's comments. Each public function is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.access.visibility import contacts_for, customers_for
from kam.activities import services as activities
from kam.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Plan,
    PlanComment,
    PlanGoal,
    PlanPeriod,
)
from kam.activities.plans import periods
from kam.core.versioning import versioned_update
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.relationships.models import Contact

GOAL_MAX = 200
COMMENT_MAX = 2000
NOTES_MAX = 2000


def _check_period(period: Any, starts_on: Any) -> None:
    if period not in PlanPeriod.values:
        raise ValidationError({"period": [_("Choose a week or a month.")]})
    if not isinstance(starts_on, dt.date):
        raise ValidationError({"starts_on": [_("Enter the day the period starts.")]})
    if not periods.is_period_start(period, starts_on):
        message = (
            _("A weekly plan starts on a Monday.")
            if period == PlanPeriod.WEEK
            else _("A monthly plan starts on the first of the month.")
        )
        raise ValidationError({"starts_on": [message]})


def create_plan(*, by: User, period: str, starts_on: dt.date, notes: str = "") -> Plan:
    """`by`'s own plan for the week starting on `starts_on` (a Monday) or the month (the first)."""
    _check_period(period, starts_on)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError({"notes": [_("At most %(count)d characters.") % {"count": NOTES_MAX}]})
    if Plan.objects.filter(owner=by, period=period, starts_on=starts_on).exists():
        raise ValidationError({"starts_on": [_("You already have a plan for this period.")]})
    try:
        with transaction.atomic():
            return Plan.objects.create(owner=by, period=period, starts_on=starts_on, notes=notes)
    except IntegrityError:
        # Two tabs creating the same plan at once: the unique constraint decides.
        raise ValidationError({"starts_on": [_("You already have a plan for this period.")]}) from None


@transaction.atomic
def update_plan(plan: Plan, *, by: User, version: int | None, notes: str) -> Plan:
    permissions.check_edit_plan(by, plan)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError({"notes": [_("At most %(count)d characters.") % {"count": NOTES_MAX}]})
    versioned_update(plan, version, notes=notes)
    return plan


def _goal_target(
    by: User, customer: Customer | None, contact: Contact | None
) -> tuple[Customer | None, Contact | None]:
    errors: dict[str, list[str]] = {}
    if customer is not None and not customers_for(by).filter(pk=customer.pk).exists():
        errors["customer"] = [_("Choose a customer you can see.")]
    if contact is not None:
        if not contacts_for(by).filter(pk=contact.pk).exists():
            errors["contact"] = [_("Choose a contact you can see.")]
        elif customer is not None and contact.customer_id != customer.pk:
            errors["contact"] = [_("The contact must be one of this customer's.")]
        elif customer is None:
            customer = contact.customer
    if errors:
        raise ValidationError(errors)
    return customer, contact


def _goal_text(text: Any) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Say what the goal is.")]})
    if len(text) > GOAL_MAX:
        raise ValidationError({"text": [_("At most %(count)d characters.") % {"count": GOAL_MAX}]})
    return text


@transaction.atomic
def add_goal(
    plan: Plan, *, by: User, text: str, customer: Customer | None = None, contact: Contact | None = None
) -> PlanGoal:
    """A goal such as "visit the decision maker of X", optionally about a customer or a contact."""
    permissions.check_edit_plan(by, plan)
    text = _goal_text(text)
    customer, contact = _goal_target(by, customer, contact)
    order = plan.goals.count()
    return PlanGoal.objects.create(plan=plan, text=text, customer=customer, contact=contact, order=order)


@transaction.atomic
def update_goal(goal: PlanGoal, *, by: User, **changes: Any) -> PlanGoal:
    """Change `text`, `achieved`, `customer` or `contact` of a goal."""
    permissions.check_edit_plan(by, goal.plan)
    unknown = set(changes) - {"text", "achieved", "customer", "contact"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    if "text" in changes:
        goal.text = _goal_text(changes["text"])
    if "achieved" in changes:
        goal.achieved = bool(changes["achieved"])
    if "customer" in changes or "contact" in changes:
        goal.customer, goal.contact = _goal_target(
            by, changes.get("customer", goal.customer), changes.get("contact", goal.contact)
        )
    goal.save()
    return goal


@transaction.atomic
def delete_goal(goal: PlanGoal, *, by: User) -> None:
    permissions.check_edit_plan(by, goal.plan)
    goal.delete()


def add_planned_activity(
    plan: Plan,
    *,
    by: User,
    kind: ActivityKind,
    customer: Customer,
    start: dt.datetime,
    summary: str,
    duration_minutes: int = 60,
    opportunity: Opportunity | None = None,
    contacts: Iterable[Contact] = (),
    our_people: Iterable[User] = (),
) -> Activity:
    """A planned activity of the plan, logged through the activities service; it must start within
    the plan's period (moving it later is what plan against actual reports)."""
    permissions.check_edit_plan(by, plan)
    first, after = periods.bounds(plan.period, plan.starts_on)
    if isinstance(start, dt.datetime) and timezone.is_aware(start) and not first <= start < after:
        raise ValidationError(
            {
                "start": [
                    _("A planned activity of this plan starts between %(first)s and %(last)s.")
                    % {
                        "first": f"{plan.starts_on:%Y-%m-%d}",
                        "last": f"{periods.period_end(plan.period, plan.starts_on) - dt.timedelta(days=1):%Y-%m-%d}",
                    }
                ]
            }
        )
    return activities.create_activity(
        by=by,
        kind=kind,
        customer=customer,
        start=start,
        summary=summary,
        status=ActivityStatus.PLANNED,
        duration_minutes=duration_minutes,
        opportunity=opportunity,
        contacts=contacts,
        our_people=our_people,
        plan=plan,
    )


@transaction.atomic
def add_comment(plan: Plan, *, by: User, text: str) -> PlanComment:
    """A manager's comment on a plan of someone below them; the owner reads it on the plan page."""
    permissions.check_comment_plan(by, plan)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write a comment.")]})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"text": [_("At most %(count)d characters.") % {"count": COMMENT_MAX}]})
    return PlanComment.objects.create(plan=plan, author=by, text=text)
