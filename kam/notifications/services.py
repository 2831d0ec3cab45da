"""Writes of the inbox: creating notifications (one or a batch, each once per recipient and
`dedupe_key`), marking them read, and a user's preferences per kind and channel.

After a notification commits, the channels (e-mail, group robots) get it through
`kam.notifications.channels.dispatch.dispatch(notification_id)` when that module is installed; a
failing channel never undoes the notification nor the write that caused it."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.bilingual import both_languages
from kam.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
    default_enabled,
)
from kam.notifications.texts import render_title
from kam.org.models import User

log = logging.getLogger(__name__)

DISPATCH_MODULE = "kam.notifications.channels.dispatch"
BATCH = 500
TITLE_MAX = Notification._meta.get_field("title").max_length or 500


@dataclass(frozen=True)
class Reminder:
    """One notification to create, as a producer finds it (ids only: no user rows loaded)."""

    recipient_id: int
    kind: str
    dedupe_key: str
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    record_label: str = ""
    record_id: int | None = None


def _dispatcher() -> Callable[[int], Any] | None:
    """The channels' entry point, or None while the channels are not installed."""
    try:
        module = importlib.import_module(DISPATCH_MODULE)
    except ImportError:
        return None
    return getattr(module, "dispatch", None)


def _dispatch_after_commit(ids: list[int]) -> None:
    dispatch = _dispatcher()
    if dispatch is None or not ids:
        return

    def send() -> None:
        for pk in ids:
            try:
                dispatch(pk)
            except Exception:  # a channel's failure must not surface in the write that notified
                log.exception("Dispatching notification %s failed", pk)

    transaction.on_commit(send)


def inbox_off(user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(user id, kind) pairs whose inbox the users turned off (the default is on): one query."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    return set(
        NotificationPreference.objects.filter(
            user_id__in=ids, channel=Channel.INBOX, enabled=False
        ).values_list("user_id", "kind")
    )


def _titles(kind: str, params: Mapping[str, Any]) -> tuple[str, str]:
    both = both_languages(lambda: render_title(kind, params))
    return both["summary"][:TITLE_MAX], both["summary_en"][:TITLE_MAX]


def deliver(reminders: Iterable[Reminder]) -> list[Notification]:
    """Create the notifications not created before (by recipient and `dedupe_key`) for recipients
    whose inbox takes their kind; returns those created. A fixed number of queries per batch of
    500, whatever the number of recipients: the existing keys, the preferences, one INSERT and the
    new ids. Two runs at once insert each notification once (the unique constraint decides)."""
    pending: dict[tuple[int, str], Reminder] = {}
    for reminder in reminders:
        pending.setdefault((reminder.recipient_id, reminder.dedupe_key), reminder)
    created: list[Notification] = []
    items = list(pending.values())
    for start in range(0, len(items), BATCH):
        created.extend(_deliver_batch(items[start : start + BATCH]))
    return created


def _deliver_batch(batch: list[Reminder]) -> list[Notification]:
    keys = {r.dedupe_key for r in batch}
    recipients = {r.recipient_id for r in batch}
    with transaction.atomic():
        existing = set(
            Notification.objects.filter(recipient_id__in=recipients, dedupe_key__in=keys).values_list(
                "recipient_id", "dedupe_key"
            )
        )
        off = inbox_off(recipients)
        rows = []
        for r in batch:
            if (r.recipient_id, r.dedupe_key) in existing or (r.recipient_id, r.kind) in off:
                continue
            title, title_en = _titles(r.kind, r.params)
            rows.append(
                Notification(
                    recipient_id=r.recipient_id,
                    kind=r.kind,
                    params=r.params,
                    title=title,
                    title_en=title_en,
                    url=r.url,
                    record_label=r.record_label,
                    record_id=r.record_id,
                    dedupe_key=r.dedupe_key,
                )
            )
        if not rows:
            return []
        try:
            with transaction.atomic():
                created = Notification.objects.bulk_create(rows)
        except IntegrityError:
            # Another run inserted some of these meanwhile: each row alone, the constraint decides.
            created = []
            for row in rows:
                notification, was_created = Notification.objects.get_or_create(
                    recipient_id=row.recipient_id,
                    dedupe_key=row.dedupe_key,
                    defaults={
                        "kind": row.kind,
                        "params": row.params,
                        "title": row.title,
                        "title_en": row.title_en,
                        "url": row.url,
                        "record_label": row.record_label,
                        "record_id": row.record_id,
                    },
                )
                if was_created:
                    created.append(notification)
        _dispatch_after_commit([n.pk for n in created])
    return created


def notify(
    recipient: User,
    kind: str,
    *,
    params: dict[str, Any] | None = None,
    url: str = "",
    record_label: str = "",
    record_id: int | None = None,
    dedupe_key: str,
) -> Notification | None:
    """One notification for `recipient`, unless their inbox is off for `kind` or one with the same
    `dedupe_key` exists already (then None). The channels get it after the commit."""
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind: {kind}")
    created = deliver(
        [
            Reminder(
                recipient_id=recipient.pk,
                kind=kind,
                dedupe_key=dedupe_key,
                params=dict(params or {}),
                url=url,
                record_label=record_label,
                record_id=record_id,
            )
        ]
    )
    return created[0] if created else None


def mark_read(user: User, notification: Notification) -> bool:
    """Mark one of the user's notifications read (an already read one keeps its time)."""
    if notification.recipient_id != user.pk:
        raise ValidationError(_("This notification is not yours."))
    now = timezone.now()
    updated = Notification.objects.filter(pk=notification.pk, recipient=user, read_at__isnull=True).update(
        read_at=now
    )
    if updated:
        notification.read_at = now
    return bool(updated)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def set_preferences(user: User, choices: Mapping[tuple[str, str], bool]) -> None:
    """Store the user's choices per (kind, channel). A choice equal to the default removes its row,
    so a later change of the defaults reaches everyone who did not choose otherwise."""
    unknown = [
        f"{kind}/{channel}"
        for kind, channel in choices
        if kind not in NotificationKind.values or channel not in Channel.values
    ]
    if unknown:
        raise ValidationError(
            _("Unknown kinds or channels: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        rows = {
            (p.kind, p.channel): p
            for p in NotificationPreference.objects.select_for_update().filter(user=user)
        }
        to_delete: list[int] = []
        to_create: list[NotificationPreference] = []
        to_update: list[NotificationPreference] = []
        for (kind, channel), enabled in choices.items():
            row = rows.get((kind, channel))
            if enabled == default_enabled(kind, channel):
                if row is not None:
                    to_delete.append(row.pk)
            elif row is None:
                to_create.append(
                    NotificationPreference(user=user, kind=kind, channel=channel, enabled=enabled)
                )
            elif row.enabled != enabled:
                row.enabled = enabled
                to_update.append(row)
        if to_delete:
            NotificationPreference.objects.filter(pk__in=to_delete).delete()
        if to_create:
            NotificationPreference.objects.bulk_create(to_create, ignore_conflicts=True)
        if to_update:
            NotificationPreference.objects.bulk_update(to_update, ["enabled"])
