"""Reads of activities, scoped through kam.access.visibility, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from kam.access.visibility import activities_for, contacts_for
from kam.activities.models import Activity, ActivityChange, ActivityKind
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.relationships.models import Contact, Relationship

PAGE_SIZE = 50

# Sort keys a list accepts: the key a link sends, and the columns it orders by (id breaks ties).
SORTS: dict[str, tuple[str, ...]] = {
    "start": ("start", "id"),
    "-start": ("-start", "-id"),
    "customer": ("customer__name", "-start", "-id"),
    "-customer": ("-customer__name", "-start", "-id"),
    "kind": ("kind__order", "-start", "-id"),
    "-kind": ("-kind__order", "-start", "-id"),
    "owner": ("owner__username", "-start", "-id"),
    "-owner": ("-owner__username", "-start", "-id"),
    "status": ("status", "-start", "-id"),
    "-status": ("-status", "-start", "-id"),
}
DEFAULT_SORT = "-start"


@dataclass(frozen=True)
class ActivityFilters:
    owner: int | None = None
    customer: int | None = None
    kind: int | None = None
    status: str = ""
    opportunity: int | None = None
    contact: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = DEFAULT_SORT


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered(user: User, filters: ActivityFilters) -> QuerySet[Activity]:
    """The activities the user sees that match the filters, in the chosen order, with the records
    each row names joined (contacts and our people come in one more query each when read)."""
    qs = activities_for(user, Activity.objects.select_related("kind", "owner", "customer", "opportunity"))
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.kind:
        qs = qs.filter(kind_id=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.opportunity:
        qs = qs.filter(opportunity_id=filters.opportunity)
    if filters.contact:
        qs = qs.filter(
            pk__in=Activity.contacts.through.objects.filter(contact_id=filters.contact).values("activity_id")
        )
    if filters.date_from:
        qs = qs.filter(start__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(start__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return qs.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def with_people(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """Contacts and our people of every row, in one query each."""
    return qs.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("name", "id")),
        Prefetch("our_people", queryset=User.objects.order_by("username", "id")),
    )


def kinds() -> QuerySet[ActivityKind]:
    return ActivityKind.objects.all()


def history(activity: Activity) -> QuerySet[ActivityChange]:
    return (
        ActivityChange.objects.filter(activity=activity)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )


def _label(name: str) -> str:
    try:
        found = Activity._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(found, "verbose_name", name))


def history_rows(activity: Activity) -> list[dict[str, Any]]:
    """The activity's history, newest first, each edit as (field label, before, after)."""
    rows = []
    for change in history(activity):
        edits = []
        if change.action == ActivityChange.Action.EDITED:
            for name, pair in change.changes.items():
                before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
                shown = [", ".join(v) if isinstance(v, list) else v for v in (before, after)]
                edits.append({"field": _label(name), "before": shown[0], "after": shown[1]})
        rows.append({"change": change, "edits": edits})
    return rows


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week(user: User, monday: dt.date) -> list[Activity]:
    """The user's planned and done activities of the week starting `monday`: those they lead and
    those they take part in, by start."""
    start = _day_start(monday)
    end = _day_start(monday + dt.timedelta(days=7))
    joined = Activity.our_people.through.objects.filter(user_id=user.pk).values("activity_id")
    qs = activities_for(
        user,
        Activity.objects.select_related("kind", "customer", "opportunity", "owner").filter(
            Q(owner_id=user.pk) | Q(pk__in=joined), start__gte=start, start__lt=end
        ),
    )
    return list(with_people(qs).order_by("start", "id"))


PANEL_SIZE = 10


def panel(
    user: User,
    *,
    customer: Customer | None = None,
    opportunity: Opportunity | None = None,
    contact: Contact | None = None,
) -> dict[str, Any]:
    """The latest activities of one customer, opportunity or contact (an htmx panel on its page),
    with the record's last touch and how many there are."""
    qs = activities_for(user, Activity.objects.select_related("kind", "owner"))
    if opportunity is not None:
        qs = qs.filter(opportunity_id=opportunity.pk)
        subject: Any = opportunity
    elif contact is not None:
        qs = qs.filter(
            pk__in=Activity.contacts.through.objects.filter(contact_id=contact.pk).values("activity_id")
        )
        subject = contact
    else:
        assert customer is not None
        qs = qs.filter(customer_id=customer.pk)
        subject = customer
    rows = list(qs.order_by("-start", "-id")[: PANEL_SIZE + 1])
    return {
        "rows": rows[:PANEL_SIZE],
        "more": len(rows) > PANEL_SIZE,
        "last_touch_at": subject.last_touch_at,
    }


@dataclass
class ContactChoice:
    """A contact the log form offers, with the user's current CR level with them."""

    contact: Contact
    level: int | None


def contact_choices(user: User, customer: Customer) -> list[ContactChoice]:
    """The customer's contacts the user sees, with the user's own level with each (two queries)."""
    contacts = list(
        contacts_for(user, Contact.objects.filter(customer_id=customer.pk)).order_by("name", "id")
    )
    levels = dict(
        Relationship.objects.filter(user_id=user.pk, contact_id__in=[c.pk for c in contacts]).values_list(
            "contact_id", "level"
        )
    )
    return [ContactChoice(contact=c, level=levels.get(c.pk)) for c in contacts]
