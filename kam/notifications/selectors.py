"""Reads of the inbox: a user's notifications (only their own: a notification is its recipient's
alone), the unread count for the bell, and the preferences matrix with the defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from kam.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
    default_enabled,
)
from kam.org.models import User

# The filter values of the list: every notification, the unread ones, the read ones.
ALL, UNREAD, READ = "all", "unread", "read"
STATES = (ALL, UNREAD, READ)
# The kinds a person chooses channels for (the digest is the channels' weekly summary: listed too).
KINDS = tuple(NotificationKind)
CHANNELS = tuple(Channel)


def inbox(user: User, *, state: str = ALL, kind: str = "") -> QuerySet[Notification]:
    """The user's notifications, newest first, read through the (recipient, read_at, -created_at)
    index."""
    qs = Notification.objects.filter(recipient_id=user.pk)
    if state == UNREAD:
        qs = qs.filter(read_at__isnull=True)
    elif state == READ:
        qs = qs.filter(read_at__isnull=False)
    if kind in NotificationKind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def get_own_notification(user: User, pk: int) -> Notification:
    """One of the user's notifications; anyone else's is a 404, never a 403 that tells it exists."""
    found = Notification.objects.filter(recipient_id=user.pk, pk=pk).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class PreferenceCell:
    kind: str
    channel: str
    enabled: bool
    is_default: bool

    @property
    def name(self) -> str:
        """The form field of this cell."""
        return f"{self.kind}__{self.channel}"


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    cells: list[PreferenceCell]


def preferences(user: User) -> list[PreferenceRow]:
    """Every kind × channel for the user: their choice where they made one, else the default."""
    chosen = {
        (kind, channel): enabled
        for kind, channel, enabled in NotificationPreference.objects.filter(user_id=user.pk).values_list(
            "kind", "channel", "enabled"
        )
    }
    rows = []
    for kind in KINDS:
        cells = []
        for channel in CHANNELS:
            stored = chosen.get((kind.value, channel.value))
            cells.append(
                PreferenceCell(
                    kind=kind.value,
                    channel=channel.value,
                    enabled=default_enabled(kind, channel) if stored is None else stored,
                    is_default=stored is None,
                )
            )
        rows.append(PreferenceRow(kind=kind.value, label=str(kind.label), cells=cells))
    return rows
