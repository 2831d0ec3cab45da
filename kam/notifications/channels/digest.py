"""The weekly digest: one e-mail per user with their unread notifications of the week, by kind.

A digest is itself a notification (kind `digest`, key `digest:<ISO year>-W<week>`), so the unique
(recipient, key) constraint makes a second run of the week send nothing, even two runs at once. It
is stored already read: it repeats what the inbox shows and must not raise the bell's count. Its
e-mail is the delivery; the list is written when it is sent (`content.digest_email`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kam.core.bilingual import both_languages
from kam.notifications.channels import selectors
from kam.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from kam.notifications.texts import render_title


@dataclass
class DigestRun:
    week_start: dt.date
    created: int = 0
    already_sent: int = 0
    delivery_ids: list[int] = field(default_factory=list)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def digest_key(week_start: dt.date) -> str:
    year, week, _weekday = week_start.isocalendar()
    return f"digest:{year}-W{week:02d}"


def _opted_out() -> set[int]:
    """Users who turned the digest e-mail off (it is on by default): one query."""
    return set(
        NotificationPreference.objects.filter(
            kind=NotificationKind.DIGEST, channel=Channel.EMAIL, enabled=False
        ).values_list("user_id", flat=True)
    )


def prepare(week_start: dt.date | None = None) -> DigestRun:
    """Write the digest notification and its queued e-mail for every user with unread
    notifications in the week (any day of it; the current week by default) who has an address and
    has not turned the digest off. Returns the deliveries to queue."""
    monday = monday_of(week_start or timezone.localdate())
    run = DigestRun(week_start=monday)
    key = digest_key(monday)
    params = {"week_start": monday.isoformat()}
    titles = both_languages(lambda: render_title(NotificationKind.DIGEST, params))
    out = _opted_out()
    done = set(
        Notification.objects.filter(kind=NotificationKind.DIGEST, dedupe_key=key).values_list(
            "recipient_id", flat=True
        )
    )
    for user in selectors.digest_recipients(monday):
        if user.pk in out:
            continue
        if user.pk in done:
            run.already_sent += 1
            continue
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                recipient=user,
                dedupe_key=key,
                defaults={
                    "kind": NotificationKind.DIGEST,
                    "params": params,
                    "title": titles["summary"],
                    "title_en": titles["summary_en"],
                    "read_at": timezone.now(),
                },
            )
            if not created:  # another run of the same week got there first
                run.already_sent += 1
                continue
            delivery = Delivery.objects.create(
                notification=notification, channel=Channel.EMAIL, address=user.email
            )
        run.created += 1
        run.delivery_ids.append(delivery.pk)
    return run
