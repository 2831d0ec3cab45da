"""The demo's inboxes: the producers' reminders for the demo's people only, spread over the last
days, some read, the same on a rebuild."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo import notifications as demo_notifications
from kam.notifications.models import Notification, NotificationKind
from kam.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


def test_the_demo_delivers_the_due_reminders_of_its_people_only(world):
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
    for opp in (world.east_opp, world.east_opp2, world.west_opp):
        Opportunity.objects.filter(pk=opp.pk).update(
            sign_date=midnight.date() + dt.timedelta(days=4), last_touch_at=midnight - dt.timedelta(days=120)
        )
    # The demo's people: the East team; the West rep is someone else's data.
    builder = SimpleNamespace(
        midnight=midnight, users={"a": world.east_rep, "b": world.east_rep2, "c": world.east_mgr}
    )

    made = demo_notifications.build(builder, random.Random(1))

    rows = Notification.objects.all()
    assert made == rows.count() > 0
    assert set(rows.values_list("recipient_id", flat=True)) <= {world.east_rep.pk, world.east_rep2.pk}
    assert {NotificationKind.SIGN_DATE_NEAR, NotificationKind.DEAL_STALE} <= set(
        rows.values_list("kind", flat=True)
    )
    assert all(n.created_at <= midnight + dt.timedelta(hours=8) for n in rows)
    # Built again (a second run): nothing more.
    assert demo_notifications.build(builder, random.Random(1)) == 0
