"""The channels' entry point: `dispatch(notification_id)`, which `kam.notifications.services` calls
once a notification has committed. It writes the notification's deliveries (queued) and enqueues a
task for each; it never raises, so a channel's failure cannot reach the save that notified."""

from __future__ import annotations

import logging

from kam.notifications.channels import sending, tasks

log = logging.getLogger(__name__)


def dispatch(notification_id: int) -> list[int]:
    """Queue the sends of one notification on the recipient's channels; returns the deliveries'
    ids (none when the notification goes nowhere beyond the inbox, or could not be planned)."""
    try:
        ids = sending.plan(notification_id)
    except Exception:
        log.exception("The deliveries of notification %s could not be written", notification_id)
        return []
    for pk in ids:
        tasks.enqueue_delivery(pk)
    return ids
