"""Writes to activities: log, edit, delete (each one transaction with its history row), the last
touch they keep on customers, contacts and opportunities, and the relationship-level changes a
logged meeting proposes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import customers_for
from kam.activities.models import Activity, ActivityChange, ActivityKind, ActivityStatus, Plan
from kam.core import audit
from kam.core.versioning import versioned_update
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.opportunities.signals import health_inputs_changed
from kam.org.models import User
from kam.relationships.models import Contact, RelationshipLevel
from kam.relationships.services import set_relationship_level

# The columns an edit may change; `contacts` and `our_people` are the two lists beside them.
FIELDS = (
    "kind",
    "status",
    "start",
    "duration_minutes",
    "customer",
    "opportunity",
    "plan",
    "summary",
    "outcome",
    "next_step",
    "next_step_due",
)
LISTS = ("contacts", "our_people")
MAX_MINUTES = 24 * 60
SUMMARY_MAX = 200
NEXT_STEP_MAX = 200
# A done activity may be logged a little ahead (another time zone, a meeting about to end), not more.
FUTURE_SLACK = dt.timedelta(days=1)


# Validation --------------------------------------------------------------------------------------


def _validate(by: User, values: Mapping[str, Any], contacts: list[Contact], people: list[User]) -> None:
    """Every rule on one activity's values, with a message per field (all of them at once)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = values.get("kind")
    if not isinstance(kind, ActivityKind):
        add("kind", _("Choose the kind of activity."))
    status = values.get("status")
    if status not in ActivityStatus.values:
        add("status", _("Choose planned, done or cancelled."))
    customer = values.get("customer")
    if not isinstance(customer, Customer) or not customers_for(by).filter(pk=customer.pk).exists():
        add("customer", _("Choose a customer you can see."))
        customer = None
    start = values.get("start")
    if not isinstance(start, dt.datetime) or timezone.is_naive(start):
        add("start", _("Enter when the activity starts."))
        start = None
    elif status == ActivityStatus.DONE and start > timezone.now() + FUTURE_SLACK:
        add("start", _("A done activity cannot start more than a day from now: log it as planned."))
    minutes = values.get("duration_minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
        add("duration_minutes", _("The duration is 1 to 1,440 minutes (one day)."))
    summary = (values.get("summary") or "").strip()
    if not summary:
        add("summary", _("Say in a few words what the activity was about."))
    elif len(summary) > SUMMARY_MAX:
        add("summary", _("At most %(count)d characters.") % {"count": SUMMARY_MAX})
    if len(values.get("next_step") or "") > NEXT_STEP_MAX:
        add("next_step", _("At most %(count)d characters.") % {"count": NEXT_STEP_MAX})
    opportunity = values.get("opportunity")
    if opportunity is not None and customer is not None and opportunity.customer_id != customer.pk:
        add("opportunity", _("The opportunity must be one of this customer's."))
    strangers = [c.name for c in contacts if customer is not None and c.customer_id != customer.pk]
    if strangers:
        add(
            "contacts",
            _("Not contacts of this customer: %(names)s.") % {"names": ", ".join(sorted(strangers))},
        )
    inactive = [p.name or p.username for p in people if not p.is_active]
    if inactive:
        add(
            "our_people",
            _("No longer active: %(names)s.") % {"names": ", ".join(sorted(inactive))},
        )
    due = values.get("next_step_due")
    if due is not None and start is not None and due < timezone.localdate(start):
        add("next_step_due", _("The next step cannot be due before the activity starts."))
    plan = values.get("plan")
    if plan is not None and not isinstance(plan, Plan):
        add("plan", _("Unknown plan."))
    if errors:
        raise ValidationError(errors)


def _check_level_changes(level_changes: Mapping[int, int] | None, contacts: list[Contact]) -> dict[int, int]:
    if not level_changes:
        return {}
    chosen = {c.pk for c in contacts}
    changes: dict[int, int] = {}
    messages: list[str] = []
    for key, level in level_changes.items():
        contact_id = int(key)
        if contact_id not in chosen:
            messages.append(_("A level can only be proposed for a contact of the activity."))
        elif level not in RelationshipLevel.values:
            messages.append(_("The relationship level must be CR1 to CR5."))
        else:
            changes[contact_id] = int(level)
    if messages:
        raise ValidationError({"level_changes": sorted(set(messages))})
    return changes


# History -----------------------------------------------------------------------------------------


def _shown(value: Any) -> Any:
    """A value as the history keeps it (JSON): a record by its name, a time in ISO form."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(str(v) for v in value)
    return str(value)


def _record(activity: Activity, contacts: list[Contact], people: list[User]) -> dict[str, Any]:
    record = {name: _shown(getattr(activity, name)) for name in FIELDS}
    record["owner"] = _shown(activity.owner)
    record["contacts"] = _shown(contacts)
    record["our_people"] = _shown(people)
    return record


def _history(
    activity: Activity | None, action: str, by: User, changes: dict[str, Any], *, customer_id: int, label: str
) -> None:
    ActivityChange.objects.create(
        activity=activity,
        customer_id=customer_id,
        subject_label=label[:200],
        action=action,
        changed_by=by,
        changes=changes,
    )


# Last touch --------------------------------------------------------------------------------------


def _latest_done(**match: Any) -> Subquery:
    done = Activity.objects.filter(status=ActivityStatus.DONE, **match).order_by()
    return Subquery(done.values("status").annotate(latest=Max("start")).values("latest")[:1])


def refresh_last_touch(
    *, customer_ids: Iterable[int] = (), contact_ids: Iterable[int] = (), opportunity_ids: Iterable[int] = ()
) -> None:
    """Set `last_touch_at` of the records named to the latest start of their done activities, in
    one UPDATE per table (no rows read into Python); an opportunity's health reads it."""
    customers = sorted(set(customer_ids))
    contacts = sorted(set(contact_ids))
    opportunities = sorted(set(opportunity_ids))
    if customers:
        Customer.objects.filter(pk__in=customers).update(
            last_touch_at=_latest_done(customer_id=OuterRef("pk"))
        )
    if contacts:
        Contact.objects.filter(pk__in=contacts).update(last_touch_at=_latest_done(contacts=OuterRef("pk")))
    if opportunities:
        Opportunity.objects.filter(pk__in=opportunities).update(
            last_touch_at=_latest_done(opportunity_id=OuterRef("pk"))
        )
        health_inputs_changed.send(sender=Activity, opportunity_ids=opportunities)


def _touched(activity: Activity, contact_ids: Iterable[int]) -> dict[str, set[int]]:
    return {
        "customer_ids": {activity.customer_id},
        "contact_ids": set(contact_ids),
        "opportunity_ids": {activity.opportunity_id} if activity.opportunity_id else set(),
    }


# Writes ------------------------------------------------------------------------------------------


def create_activity(
    *,
    by: User,
    kind: ActivityKind,
    customer: Customer,
    start: dt.datetime,
    summary: str,
    status: str = ActivityStatus.DONE,
    duration_minutes: int = 60,
    opportunity: Opportunity | None = None,
    contacts: Iterable[Contact] = (),
    our_people: Iterable[User] = (),
    outcome: str = "",
    next_step: str = "",
    next_step_due: dt.date | None = None,
    plan: Plan | None = None,
    level_changes: Mapping[int, int] | None = None,
) -> Activity:
    """Log an activity led by `by`. `level_changes` ({contact id: CR level}) sets how well `by`
    knows those contacts, through the relationship service, with the activity as the reason."""
    contact_list = list(dict.fromkeys(contacts))
    people = list(dict.fromkeys(our_people))
    values = {
        "kind": kind,
        "status": status,
        "start": start,
        "duration_minutes": duration_minutes,
        "customer": customer,
        "opportunity": opportunity,
        "plan": plan,
        "summary": (summary or "").strip(),
        "outcome": (outcome or "").strip(),
        "next_step": (next_step or "").strip(),
        "next_step_due": next_step_due,
    }
    _validate(by, values, contact_list, people)
    if not kind.active:
        raise ValidationError({"kind": [_("This kind of activity is no longer in use.")]})
    levels = _check_level_changes(level_changes, contact_list)
    with transaction.atomic():
        activity = Activity(owner=by, created_by=by, **values)
        if status == ActivityStatus.PLANNED:
            activity.planned_start = start
        with audit.acting_as(by):
            activity.save()
        activity.contacts.set(contact_list)
        activity.our_people.set(people)
        _history(
            activity,
            ActivityChange.Action.CREATED,
            by,
            _record(activity, contact_list, people),
            customer_id=customer.pk,
            label=activity.summary,
        )
        refresh_last_touch(**_touched(activity, (c.pk for c in contact_list)))
        by_id = {c.pk: c for c in contact_list}
        for contact_id, level in levels.items():
            set_relationship_level(by_id[contact_id], by, level, by=by, note=activity_reason(activity))
    return activity


def activity_reason(activity: Activity) -> str:
    """The note a level change proposed by an activity carries: which activity, and when."""
    return _("Activity #%(id)s on %(date)s: %(summary)s") % {
        "id": activity.pk,
        "date": timezone.localtime(activity.start).strftime("%Y-%m-%d"),
        "summary": activity.summary,
    }


def update_activity(
    activity: Activity,
    *,
    by: User,
    version: int | None,
    level_changes: Mapping[int, int] | None = None,
    **changes: Any,
) -> Activity:
    """Change the fields given (`contacts` and `our_people` as whole lists), if the activity still
    has `version`; the history keeps each changed field before and after. `level_changes` as for
    create_activity: the relationship levels `by` proposes with the activity's contacts."""
    unknown = set(changes) - set(FIELDS) - set(LISTS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    for text in ("summary", "outcome", "next_step"):
        if text in changes:
            changes[text] = (changes[text] or "").strip()
    old_contacts = list(activity.contacts.all())
    old_people = list(activity.our_people.all())
    contact_list = list(dict.fromkeys(changes.pop("contacts", old_contacts)))
    people = list(dict.fromkeys(changes.pop("our_people", old_people)))
    values = {name: changes.get(name, getattr(activity, name)) for name in FIELDS}
    _validate(by, values, contact_list, people)
    if "kind" in changes and changes["kind"].pk != activity.kind_id and not changes["kind"].active:
        raise ValidationError({"kind": [_("This kind of activity is no longer in use.")]})
    levels = _check_level_changes(level_changes, contact_list)
    before = _record(activity, old_contacts, old_people)
    fields = {name: value for name, value in changes.items() if getattr(activity, name) != value}
    lists_changed = {c.pk for c in contact_list} != {c.pk for c in old_contacts} or {
        p.pk for p in people
    } != {p.pk for p in old_people}
    if "start" in fields and activity.status == ActivityStatus.PLANNED and activity.planned_start is None:
        # Plan against actual tells a moved activity from one done as planned.
        fields["planned_start"] = activity.start
    old_touch = _touched(activity, (c.pk for c in old_contacts))
    with transaction.atomic():
        if fields or lists_changed:
            fields["updated_at"] = timezone.now()
        versioned_update(activity, version, **fields)
        if lists_changed:
            activity.contacts.set(contact_list)
            activity.our_people.set(people)
        after = _record(activity, contact_list, people)
        diff = {name: [before[name], after[name]] for name in after if before.get(name) != after[name]}
        if diff:
            _history(
                activity,
                ActivityChange.Action.EDITED,
                by,
                diff,
                customer_id=activity.customer_id,
                label=activity.summary,
            )
            touch = _touched(activity, (c.pk for c in contact_list))
            refresh_last_touch(**{key: old_touch[key] | touch[key] for key in touch})
        by_id = {c.pk: c for c in contact_list}
        for contact_id, level in levels.items():
            set_relationship_level(by_id[contact_id], by, level, by=by, note=activity_reason(activity))
    return activity


def delete_activity(activity: Activity, *, by: User) -> None:
    """Delete an activity; its history stays (with the last values) and the last touch it gave
    its customer, contacts and opportunity is recomputed from what remains."""
    contacts = list(activity.contacts.all())
    people = list(activity.our_people.all())
    touch = _touched(activity, (c.pk for c in contacts))
    with transaction.atomic():
        _history(
            None,
            ActivityChange.Action.DELETED,
            by,
            _record(activity, contacts, people),
            customer_id=activity.customer_id,
            label=activity.summary,
        )
        with audit.acting_as(by):
            activity.delete()
        refresh_last_touch(**touch)
