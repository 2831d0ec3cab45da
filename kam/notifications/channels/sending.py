"""The deliveries of a notification, and one attempt at a delivery.

`plan` writes the queued rows (the delivery log) for the recipient's e-mail and their team's robots;
`attempt` sends one row and records the outcome. Neither enqueues anything: `tasks` does, so a test
or a command can drive an attempt directly. No database transaction is held while a message is on
the wire (a robot may take seconds to answer, and SQLite would keep every writer waiting)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kam.notifications.channels import content, mail, selectors, webhooks
from kam.notifications.channels.errors import SendError
from kam.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    TeamChannel,
)

log = logging.getLogger(__name__)

# The first retry after 30 s, then ×4 (2 min, 8 min, 32 min), never more than an hour apart.
FIRST_RETRY_SECONDS = 30
RETRY_FACTOR = 4
MAX_RETRY_SECONDS = 3600
ERROR_MAX = 1000


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed try."""
    seconds = FIRST_RETRY_SECONDS * RETRY_FACTOR ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, MAX_RETRY_SECONDS))


def plan(notification_id: int) -> list[int]:
    """Write the queued deliveries of one notification (once: none if it has some already); returns
    their ids. Five queries whatever the channels: the notification with its recipient, whether it
    was planned, the recipient's choices, the team's robots and one INSERT."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.is_active:
        return []
    if Delivery.objects.filter(notification_id=notification.pk).exists():
        return []  # planned already: a second dispatch of the same notification sends nothing twice
    recipient = notification.recipient
    choices = selectors.preferences(recipient.pk, notification.kind)
    rows: list[Delivery] = []
    if recipient.email and selectors.email_wanted(choices, notification.kind):
        rows.append(Delivery(notification=notification, channel=Channel.EMAIL, address=recipient.email))
    for robot in selectors.robots_for(recipient.team_id, notification.kind):
        if selectors.robot_wanted(choices, notification.kind, robot.service):
            rows.append(
                Delivery(
                    notification=notification,
                    channel=robot.service,
                    team_channel=robot,
                    address=webhooks.host_of(robot.webhook_url),
                )
            )
    if not rows:
        return []
    if connection.features.can_return_rows_from_bulk_insert:
        return [row.pk for row in Delivery.objects.bulk_create(rows)]
    with transaction.atomic():  # a backend that cannot say the new ids: one INSERT each
        for row in rows:
            row.save()
    return [row.pk for row in rows]


@dataclass(frozen=True)
class Outcome:
    status: str
    attempts: int
    error: str = ""
    retry_after: dt.timedelta | None = None


def _message_for(delivery: Delivery) -> tuple[str, content.Email | webhooks.Message]:
    notification = delivery.notification
    if notification is None:
        raise SendError("nothing to send: the notification was deleted")
    if delivery.channel == Channel.EMAIL:
        if notification.kind == NotificationKind.DIGEST:
            week_start = dt.date.fromisoformat(str(notification.params.get("week_start")))
            items = selectors.digest_notifications(notification.recipient_id, week_start)
            return Channel.EMAIL, content.digest_email(
                str(notification.recipient), week_start, items, _inbox_path()
            )
        return Channel.EMAIL, content.notification_email(notification)
    return delivery.channel, content.notification_message(notification)


def _inbox_path() -> str:
    """The inbox page, linked from the digest (none while the inbox pages are not installed)."""
    try:
        return reverse("notifications:inbox")
    except NoReverseMatch:
        return ""


def send_now(delivery: Delivery) -> None:
    """Send one delivery's message on its channel; raises SendError when it is not accepted."""
    channel, message = _message_for(delivery)
    if channel == Channel.EMAIL:
        assert isinstance(message, content.Email)
        mail.send_email(delivery.address, message.subject, message.text, message.html)
        return
    robot: TeamChannel | None = delivery.team_channel
    if robot is None:
        raise SendError("the team's robot was removed")
    if not robot.is_active:
        raise SendError("the team's robot is switched off")
    assert isinstance(message, webhooks.Message)
    webhooks.send(
        robot.service, robot.webhook_url, robot.secret, message, timeout=settings.KAM_WEBHOOK_TIMEOUT
    )


def attempt(delivery_id: int, *, max_attempts: int | None = None) -> Outcome:
    """Try one queued delivery once and record it: sent, queued again (with the delay before the
    next try) or failed after `max_attempts` tries. A row no longer queued is left as it is, so a
    task run twice sends once."""
    limit = settings.KAM_DELIVERY_MAX_ATTEMPTS if max_attempts is None else max_attempts
    row = (
        Delivery.objects.select_related("notification__recipient", "team_channel")
        .filter(pk=delivery_id)
        .first()
    )
    if row is None:
        return Outcome(status="missing", attempts=0)
    if row.status != DeliveryStatus.QUEUED:
        return Outcome(status=row.status, attempts=row.attempts, error=row.last_error)
    # Claim this try: of two workers holding the same task, only one moves the counter.
    claimed = Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.QUEUED, attempts=row.attempts).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        return Outcome(status=DeliveryStatus.QUEUED, attempts=row.attempts)
    tries = row.attempts + 1
    try:
        send_now(row)
    except SendError as error:
        return _failed(row.pk, tries, limit, str(error))
    except Exception as error:  # a fault in rendering is logged on the row, never raised to the save
        log.exception("Delivery %s could not be sent", row.pk)
        return _failed(row.pk, tries, limit, f"{type(error).__name__}: {error}")
    Delivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return Outcome(status=DeliveryStatus.SENT, attempts=tries)


def _failed(pk: int, tries: int, limit: int, error: str) -> Outcome:
    final = tries >= limit
    status = DeliveryStatus.FAILED if final else DeliveryStatus.QUEUED
    Delivery.objects.filter(pk=pk).update(status=status, last_error=error[:ERROR_MAX])
    return Outcome(
        status=status, attempts=tries, error=error, retry_after=None if final else retry_delay(tries)
    )


def record_failure(delivery_id: int, error: str) -> None:
    """A delivery that could not even be queued (the task backend refused it) is failed at once."""
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.FAILED, last_error=error[:ERROR_MAX]
    )
