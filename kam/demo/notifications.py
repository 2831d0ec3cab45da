"""The demo's inboxes: the reminders the daily run finds in the demo's data (approvals waiting,
flags, sign dates, stale deals, next steps, payments, visits, plan reviews, SLA breaches), made by
the same producers as `kam remind`, for the demo's people only, spread over the last days and the
older ones read, so the bell and the inbox have something to show on day one."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kam.notifications.models import Notification
from kam.notifications.producers import PRODUCERS, Clock
from kam.notifications.services import deliver

# Of the reminders older than a day, about this share is read already.
READ_SHARE = 0.6


def build(builder: Any, rng: random.Random) -> int:
    """Deliver the demo people's due reminders as of this morning; returns how many were made."""
    now = builder.midnight + dt.timedelta(hours=8)
    clock = Clock.at(now)
    people = {user.pk for user in builder.users.values()}
    reminders = [r for produce in PRODUCERS.values() for r in produce(clock) if r.recipient_id in people]
    created = deliver(reminders)
    changed: list[Notification] = []
    for notification in created:
        age = dt.timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 9))
        notification.created_at = now - age
        if age.days >= 1 and rng.random() < READ_SHARE:
            notification.read_at = notification.created_at + dt.timedelta(hours=rng.randint(1, 20))
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["created_at", "read_at"], batch_size=500)
    return len(created)
