"""The iCalendar feed: a person's planned and done activities from 30 days back, behind a secret
that only its hash is kept of; a revoked or replaced secret is a 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from kam.activities import services
from kam.activities.calendar import services as feeds
from kam.activities.models import ActivityStatus, CalendarFeed
from kam.org.models import hash_token
from tests.activities.conftest import hours_ago

pytestmark = pytest.mark.django_db


def events(content: bytes) -> dict[str, object]:
    return {str(e["summary"]): e for e in Calendar.from_ical(content).walk("VEVENT")}


def test_the_feed_holds_the_persons_planned_and_done_activities(client, world, visit):
    log = services.create_activity
    log(by=world.east_rep, kind=visit, customer=world.east_customer, start=hours_ago(3), summary="Done visit")
    log(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        status=ActivityStatus.PLANNED,
        start=timezone.now() + dt.timedelta(days=3),
        summary="Planned visit",
        duration_minutes=90,
    )
    log(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        start=hours_ago(24 * 40),
        summary="Too old",
    )
    log(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        status=ActivityStatus.CANCELLED,
        start=hours_ago(5),
        summary="Cancelled",
    )
    log(
        by=world.east_mgr,
        kind=visit,
        customer=world.east_customer,
        start=hours_ago(4),
        summary="Joined",
        our_people=[world.east_rep],
    )
    log(by=world.east_mgr, kind=visit, customer=world.east_customer, start=hours_ago(4), summary="Not mine")
    raw = feeds.create_feed(by=world.east_rep)
    assert CalendarFeed.objects.get(user=world.east_rep).token_hash == hash_token(raw)
    response = client.get(f"/activities/calendar/{raw}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response.content)
    assert set(found) == {"Visit: Done visit", "Visit: Planned visit", "Visit: Joined"}
    planned = found["Visit: Planned visit"]
    assert planned["dtend"].dt - planned["dtstart"].dt == dt.timedelta(minutes=90)
    assert str(planned["status"]) == "TENTATIVE"
    assert str(planned["location"]) == "East Steel"
    assert CalendarFeed.objects.get(user=world.east_rep).last_used_at is not None


def test_a_revoked_or_replaced_address_is_a_404(client, world):
    first = feeds.create_feed(by=world.east_rep)
    second = feeds.create_feed(by=world.east_rep)
    assert client.get(f"/activities/calendar/{first}.ics").status_code == 404
    assert client.get(f"/activities/calendar/{second}.ics").status_code == 200
    feeds.revoke_feed(by=world.east_rep)
    assert client.get(f"/activities/calendar/{second}.ics").status_code == 404
    assert client.get("/activities/calendar/nonsense.ics").status_code == 404


def test_an_inactive_persons_feed_is_a_404(client, world):
    raw = feeds.create_feed(by=world.east_rep)
    world.east_rep.is_active = False
    world.east_rep.save()
    assert client.get(f"/activities/calendar/{raw}.ics").status_code == 404


def test_the_settings_page_shows_the_address_once_and_revokes_it(client, world):
    client.force_login(world.east_rep)
    assert "no calendar feed" in client.get("/activities/calendar/").content.decode()
    created = client.post("/activities/calendar/", {"action": "create"}).content.decode()
    address = re.search(r'value="(http[^"]+\.ics)"', created).group(1)
    assert client.get(address).status_code == 200
    again = client.get("/activities/calendar/").content.decode()
    assert address not in again and "You have a feed" in again
    client.post("/activities/calendar/", {"action": "revoke"})
    assert client.get(address).status_code == 404
    assert not CalendarFeed.objects.exists()
