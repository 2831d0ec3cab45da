"""The iCalendar feed itself: a person's planned and done activities from 30 days back, read-only."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from kam.access.visibility import activities_for
from kam.activities.models import Activity, ActivityStatus, CalendarFeed
from kam.org.models import hash_token

DAYS_BACK = 30
MAX_EVENTS = 2_000


def feed_for(raw: str) -> CalendarFeed | None:
    """The feed a secret opens (its person still active), or None: unknown, revoked or stale."""
    if not raw or len(raw) > 200:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed


def activities(feed: CalendarFeed) -> list[Activity]:
    user = feed.user
    since = timezone.now() - dt.timedelta(days=DAYS_BACK)
    joined = Activity.our_people.through.objects.filter(user_id=user.pk).values("activity_id")
    qs = activities_for(
        user,
        Activity.objects.select_related("kind", "customer", "opportunity").filter(
            Q(owner_id=user.pk) | Q(pk__in=joined),
            status__in=[ActivityStatus.PLANNED, ActivityStatus.DONE],
            start__gte=since,
        ),
    )
    return list(qs.order_by("start", "id")[:MAX_EVENTS])


def ics(feed: CalendarFeed) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//kam//activities//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "x-wr-calname", _("kam activities of %(name)s") % {"name": feed.user.name or feed.user.username}
    )
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for activity in activities(feed):
        event = Event()
        event.add("uid", f"activity-{activity.pk}@kam")
        event.add("dtstamp", activity.updated_at)
        event.add("last-modified", activity.updated_at)
        event.add("dtstart", activity.start)
        event.add("dtend", activity.start + dt.timedelta(minutes=activity.duration_minutes))
        event.add("summary", f"{activity.kind}: {activity.summary}")
        event.add("location", activity.customer.name)
        event.add("status", "CONFIRMED" if activity.status == ActivityStatus.DONE else "TENTATIVE")
        lines = [f"{_('Customer')}: {activity.customer.name}"]
        if activity.opportunity is not None:
            lines.append(f"{_('Opportunity')}: {activity.opportunity}")
        if activity.outcome:
            lines.append(f"{_('Outcome')}: {activity.outcome}")
        if activity.next_step:
            lines.append(f"{_('Next step')}: {activity.next_step}")
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    return calendar.to_ical()
